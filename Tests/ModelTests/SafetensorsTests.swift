import Foundation
import Math
import Testing
@testable import Model

@Suite struct SafetensorsTests {
    /// Values PyTorch stored as F32/F16/BF16/F64 read back as PyTorch converts them.
    @Test func dtypeConversionsMatchTorch() throws {
        let f = try LlavaFixtures.file("dtypes.safetensors")
        let f32 = try f.tensor("f32"), f16 = try f.tensor("f16"), bf16 = try f.tensor("bf16")
        #expect(f16.data == (try f.tensor("f16_as_f32")).data)
        #expect(bf16.data == (try f.tensor("bf16_as_f32")).data)
        #expect((try f.tensor("f64")).data == f32.data)
        let i64 = try f.integers("i64")
        #expect(i64.shape == [2, 2] && i64.values == [-3, 0, 5, 1 << 40])
        #expect((try f.integers("i32")).values == [-7, 0, 2_147_483_647])
        #expect((try f.integers("u8")).values == [0, 1, 200, 255])
        #expect(throws: SafetensorsError.unsupportedConversion(file: "dtypes.safetensors", tensor: "u8", dtype: "U8", to: "Float32")) {
            try f.tensor("u8")
        }
        // The writer rounds like torch: re-encoding the F32 values gives torch's F16/BF16 bit patterns.
        var w = SafetensorsWriter()
        w.add("h", f32, as: .f16); w.add("b", f32, as: .bf16)
        let dir = try LlavaFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try w.write(to: dir.appendingPathComponent("x.safetensors"))
        let back = try SafetensorsFile(url: dir.appendingPathComponent("x.safetensors"))
        #expect(Array(try back.bytes("h")) == Array(try f.bytes("f16")))
        #expect(Array(try back.bytes("b")) == Array(try f.bytes("bf16")))
    }

    @Test func writerRoundTripAndMetadata() throws {
        var rng = SplitMix64(seed: 3)
        let t = Tensor(shape: [3, 5], data: (0..<15).map { _ in rng.nextFloat() - 0.5 })
        var w = SafetensorsWriter()
        w.add("a.weight", t); w.add("ids", int64s: [1, -2, 3], shape: [3])
        w.metadata["note"] = "x"
        let dir = try LlavaFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try w.write(to: dir.appendingPathComponent("model.safetensors"))
        let ck = try SafetensorsCheckpoint(directory: dir)
        #expect(ck.names == ["a.weight", "ids"])
        #expect(try ck.tensor("a.weight", shape: [3, 5]) == t)
        #expect(try ck.integers("ids").values == [1, -2, 3])
        #expect(try ck.file(for: "ids").header.metadata == ["format": "pt", "note": "x"])
        #expect(throws: SafetensorsError.shapeMismatch(file: "model.safetensors", tensor: "a.weight", expected: [5, 3], actual: [3, 5])) {
            try ck.tensor("a.weight", shape: [5, 3])
        }
        #expect(throws: SafetensorsError.missingTensor(file: dir.lastPathComponent, tensor: "nope")) { try ck.tensor("nope") }
    }

    /// Builds a file from a header JSON string and `dataBytes` bytes of data.
    func parse(_ json: String, dataBytes: Int = 16, declared: UInt64? = nil) throws -> SafetensorsHeader {
        var bytes = [UInt8](repeating: 0, count: 8)
        let j = Array(json.utf8)
        var n = (declared ?? UInt64(j.count)).littleEndian
        withUnsafeBytes(of: &n) { for i in 0..<8 { bytes[i] = $0[i] } }
        bytes += j + [UInt8](repeating: 0, count: dataBytes)
        return try bytes.withUnsafeBytes { try SafetensorsHeader.parse(prefix: $0, fileSize: bytes.count, file: "f.st") }
    }

    @Test func validationErrorsNameFileAndTensor() throws {
        let ok = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[4],"data_offsets":[8,16]}}"#
        #expect(try parse(ok).entries.count == 2)
        #expect(throws: SafetensorsError.headerLengthBeyondFile(file: "f.st", declared: 1000, available: ok.utf8.count + 16)) {
            try parse(ok, declared: 1000)
        }
        #expect(throws: SafetensorsError.truncated(file: "f.st", size: 3)) {
            try [UInt8](repeating: 0, count: 3).withUnsafeBytes { try SafetensorsHeader.parse(prefix: $0, fileSize: 3, file: "f.st") }
        }
        #expect { try parse("{not json") } throws: { if case SafetensorsError.badJSON(file: "f.st", _) = $0 { true } else { false } }
        #expect(throws: SafetensorsError.unknownDType(file: "f.st", tensor: "a", dtype: "Q4")) {
            try parse(#"{"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}"#)
        }
        #expect(throws: SafetensorsError.sizeMismatch(file: "f.st", tensor: "a", expectedBytes: 12, actualBytes: 8)) {
            try parse(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#)
        }
        #expect(throws: SafetensorsError.offsetsOutOfRange(file: "f.st", tensor: "a", begin: 8, end: 24, dataSize: 16)) {
            try parse(#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}"#)
        }
        #expect(throws: SafetensorsError.overlappingOffsets(file: "f.st", tensor: "b", other: "a")) {
            try parse(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#)
        }
        #expect { try parse(#"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#) } throws: {
            if case SafetensorsError.badEntry(file: "f.st", tensor: "a", _) = $0 { true } else { false }
        }
    }

    /// ≥ 100 000 mutated, truncated and random headers: each parses or fails with a `SafetensorsError`
    /// (the non-throwing `validate` entry point, so the run stays fast),
    /// and every accepted header satisfies the invariants (entries inside the data, sizes consistent).
    @Test func fuzzHeaderParser() throws {
        var w = SafetensorsWriter()
        w.add("model.layers.0.weight", Tensor(zeros: [2, 3]), as: .bf16)
        w.add("model.layers.0.bias", Tensor(zeros: [3]))
        w.add("ids", int64s: [1, 2], shape: [2])
        let valid = [UInt8](try w.serialized())
        let headerEnd = 8 + Int(valid.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        var rng = SplitMix64(seed: 42)
        var accepted = 0, rejected = 0, broken = 0
        let alphabet = Array(#"{}[]":,0123456789-eE.FIBU "#.utf8)
        for i in 0..<100_000 {
            var b = valid
            switch i % 5 {
            case 0, 1:  // a few byte edits inside the JSON, biased to JSON syntax characters
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    let at = 8 + Int(rng.next() % UInt64(headerEnd - 8))
                    b[at] = rng.next() % 2 == 0 ? alphabet[Int(rng.next() % UInt64(alphabet.count))] : UInt8(truncatingIfNeeded: rng.next())
                }
            case 2:
                b = Array(b.prefix(Int(rng.next() % UInt64(b.count + 1))))
            case 3:
                let n = rng.next() % 4 == 0 ? rng.next() : rng.next() % UInt64(b.count + 16)
                withUnsafeBytes(of: n.littleEndian) { for k in 0..<8 { b[k] = $0[k] } }
            default:
                let len = Int(rng.next() % 64)
                b = (0..<len).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                if len >= 8 { let n = UInt64(rng.next() % UInt64(len)); withUnsafeBytes(of: n) { for k in 0..<8 { b[k] = $0[k] } } }
            }
            switch b.withUnsafeBytes({ SafetensorsHeader.validate(prefix: $0, fileSize: b.count, file: "fuzz") }) {
            case .success(let h):
                accepted += 1
                for (_, e) in h.entries where !(e.begin >= 0 && e.end <= b.count - h.dataOffset
                                                  && e.end - e.begin == e.shape.reduce(1, *) * e.dtype.byteSize) {
                    broken += 1
                }
            case .failure:
                rejected += 1
            }
        }
        #expect(accepted + rejected == 100_000 && broken == 0)
        #expect(accepted > 100 && rejected > 50_000)
    }

    @Test func shardedIndexOpensOnlyNeededShards() throws {
        let ck = try SafetensorsCheckpoint(directory: LlavaFixtures.url("tiny_hub"))
        #expect(ck.openedFiles.isEmpty)
        _ = try ck.tensor("language_model.model.layers.2.self_attn.k_proj.weight")
        #expect(ck.openedFiles == ["model-00002-of-00002.safetensors"])
        let dir = try LlavaFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try #"{"weight_map":{"x":"missing.safetensors"}}"#.write(to: dir.appendingPathComponent("model.safetensors.index.json"), atomically: true, encoding: .utf8)
        #expect(throws: SafetensorsError.missingShard(file: "missing.safetensors", tensor: "x")) { try SafetensorsCheckpoint(directory: dir) }
        try #"{"weight_map":3}"#.write(to: dir.appendingPathComponent("model.safetensors.index.json"), atomically: true, encoding: .utf8)
        #expect(throws: SafetensorsError.badIndex(file: "model.safetensors.index.json", reason: "missing object 'weight_map'")) {
            try SafetensorsCheckpoint(directory: dir)
        }
    }
}

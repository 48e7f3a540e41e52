import Math
import Testing
@testable import Protocol

@Suite("MessageCodec fuzzing")
struct MessageFuzzTests {
    /// One mutation of a valid message's frames, chosen by `rng`.
    static func mutate(_ frames: [[UInt8]], _ rng: inout SplitMix64) -> [[UInt8]] {
        var f = frames
        func pick() -> Int { Int.random(in: 0..<f.count, using: &rng) }
        switch Int.random(in: 0..<9, using: &rng) {
        case 0: // truncate one frame
            let i = pick(); f[i] = Array(f[i].prefix(Int.random(in: 0...max(0, f[i].count - 1), using: &rng)))
        case 1, 2: // flip 1–3 bits
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let i = pick()
                guard !f[i].isEmpty else { continue }
                let j = Int.random(in: 0..<f[i].count, using: &rng)
                f[i][j] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            }
        case 3: // overwrite 4 bytes with a huge length/count
            let i = pick()
            if f[i].count >= 4 {
                let j = Int.random(in: 0...(f[i].count - 4), using: &rng)
                let v: [UInt8] = [[0xFF, 0xFF, 0xFF, 0xFF], [0xFF, 0xFF, 0xFF, 0x7F], [0x00, 0x00, 0x10, 0x00], [0x01, 0x00, 0x01, 0x00]][Int.random(in: 0..<4, using: &rng)]
                f[i].replaceSubrange(j..<(j + 4), with: v)
            }
        case 4: // insert or delete a byte
            let i = pick()
            let j = Int.random(in: 0...f[i].count, using: &rng)
            if rng.next() & 1 == 0 || j == f[i].count { f[i].insert(UInt8(truncatingIfNeeded: rng.next()), at: j) } else { f[i].remove(at: j) }
        case 5: // drop or duplicate a frame
            let i = pick()
            if rng.next() & 1 == 0 { f.remove(at: i) } else { f.insert(f[i], at: i) }
        case 6: // append an extra frame
            f.append((0..<Int.random(in: 0...8, using: &rng)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        case 7: // pure noise frames (sometimes with a valid magic)
            f = (0..<Int.random(in: 0...4, using: &rng)).map { _ in (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
            if !f.isEmpty && f[0].count >= 4 && rng.next() & 1 == 0 { f[0].replaceSubrange(0..<4, with: MessageCodec.magic) }
        default: // change the type byte
            if f[0].count > 6 { f[0][6] = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0xFF, 0xFE][Int.random(in: 0..<12, using: &rng)] }
        }
        return f
    }

    @Test("100k mutated inputs: no trap, bounded work, accepted inputs re-encode to the same bytes")
    func fuzz() throws {
        var gen = RandomMessages(seed: 0xF022)
        let bases = try (0..<300).map { _ in try MessageCodec.encode(gen.message()) }
        var rng = SplitMix64(seed: 0xBAD5EED)
        // Tight limits make the "over the limit" paths common; standard limits exercise the rest.
        let tight = MessageCodec(limits: ProtocolLimits(maxMessageBytes: 600, maxFrames: 6, maxStringBytes: 16, maxArrayCount: 5, maxBlobBytes: 48))
        var accepted = 0, rejected = 0
        var reasons = Set<String>()
        for n in 0..<100_000 {
            var input = bases[n % bases.count]
            for _ in 0..<Int.random(in: 1...3, using: &rng) where !input.isEmpty { input = Self.mutate(input, &rng) }
            let codec = n % 3 == 0 ? tight : MessageCodec.standard
            do {
                let m = try codec.decode(frames: input)
                accepted += 1
                let again = try codec.encode(m)
                if again != input {
                    Issue.record("accepted input #\(n) re-encodes differently: \(input) -> \(again)")
                    return
                }
            } catch {
                rejected += 1
                reasons.insert(error.metricLabel)
            }
        }
        #expect(accepted > 1000)
        #expect(rejected > 50_000)
        #expect(reasons.isSuperset(of: ["bad_magic", "version", "unknown_type", "frame_count", "truncated", "limit", "invalid_value", "trailing_bytes"]))
    }

    @Test("declared sizes far beyond the input are refused without allocating them")
    func hugeDeclarations() throws {
        // RESULT claiming 2^32−1 blobs, STAGE_DATA with a 2^31-element tensor, a 4 GiB string.
        var result = try MessageCodec.encode(.result(UnitResult(unitID: 1, attempt: 0, leaseID: 1, blobs: [])))
        result[1].replaceSubrange(4..<8, with: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: ProtocolError.limitExceeded(field: "RESULT.blobs.count", value: 0xFFFF_FFFF, limit: ProtocolLimits.standard.maxArrayCount)) {
            try MessageCodec.decode(frames: result)
        }
        var stage = try MessageCodec.encode(.stageData(StageData(unitID: 1, attempt: 0, leaseID: 1, fromStage: 0, toStage: 1,
                                                                 tensors: [NamedTensor(name: "", tensor: Tensor(shape: [1, 1], data: [0]))])))
        stage[1].replaceSubrange(22..<30, with: [0x00, 0x00, 0x01, 0x00, 0x00, 0x80, 0x00, 0x00])
        #expect(throws: ProtocolError.limitExceeded(field: "STAGE_DATA.tensors[0].shape", value: 1 << 31, limit: ProtocolLimits.standard.maxBlobBytes / 4)) {
            try MessageCodec.decode(frames: stage)
        }
        var shutdown = try MessageCodec.encode(.shutdown(Shutdown(reason: "x")))
        shutdown[1].replaceSubrange(0..<4, with: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: ProtocolError.limitExceeded(field: "SHUTDOWN.reason.length", value: 0xFFFF_FFFF, limit: ProtocolLimits.standard.maxStringBytes)) {
            try MessageCodec.decode(frames: shutdown)
        }
        #expect(throws: ProtocolError.badMagic) { try MessageCodec.decode(frames: []) }
        #expect(throws: ProtocolError.limitExceeded(field: "message.frames", value: 2000, limit: 1024)) {
            try MessageCodec.decode(frames: [[UInt8]](repeating: [], count: 2000))
        }
    }
}

import Foundation
import Testing
@testable import CLI
import Math
import Model
import Worker

/// The key-file format without a model: round trip, and errors that name the file and field.
@Suite struct KeysFileFormatTests {
    static func meta(_ samples: [KeyFileMetadata.SampleEntry], version: Int = 1) -> KeyFileMetadata {
        var m = KeyFileMetadata(producer: "test", model: "/m", modelFamily: "llava", modelDescription: "d", data: "/d.jsonl",
                                inputHashes: ["data": "00"], layers: [0, 3], variants: [.post], numKeyValueHeads: 2, headDim: 3,
                                template: "USER: {question}", imageTokensPerImage: 2, captureThreads: 1, samples: samples)
        m.formatVersion = version
        return m
    }

    static func sample(tokens t: Int) -> SampleKeys {
        let k0 = Tensor(shape: [t, 6], data: (0..<(t * 6)).map { Float($0) * 0.25 - 1 })
        let k3 = Tensor(shape: [t, 6], data: (0..<(t * 6)).map { Float.ulpOfOne * Float($0) + 3 })
        return SampleKeys(modality: (0..<t).map { $0 < 2 ? .image : .text }, isQuestion: (0..<t).map { $0 == t - 1 },
                          keys: [.post: [0: k0, 3: k3]])
    }

    @Test func roundTripIsExact() throws {
        let dir = try CLIDemo.tempDir("kff")
        defer { try? FileManager.default.removeItem(at: dir) }
        let keys = Self.sample(tokens: 5)
        try KeyFileSample.write(keys, sampleID: "a/b", to: dir.appendingPathComponent(KeyFileMetadata.fileName(forSample: "a/b")))
        let m = Self.meta([.init(id: "a/b", file: KeyFileMetadata.fileName(forSample: "a/b"), tokens: 5), .init(id: "c", unusable: "image: broken")])
        try m.jsonData().write(to: dir.appendingPathComponent("metadata.json"))
        let p = try KeyFileProvider(directory: dir)
        #expect(p.metadata == m)
        let back = try p.keys(sampleID: "a/b", layers: [0, 3], variants: [.post])
        #expect(back.modality == keys.modality && back.isQuestion == keys.isQuestion)
        #expect(back.keys[.post]![0]!.data == keys.keys[.post]![0]!.data && back.keys[.post]![3]!.data == keys.keys[.post]![3]!.data)
        do { _ = try p.keys(sampleID: "c", layers: [0], variants: [.post]); Issue.record("expected SampleUnusable") } catch let e as SampleUnusable {
            #expect(e.reason == "image: broken")
        }
        #expect(throws: KeyFileError.self) { _ = try p.keys(sampleID: "zz", layers: [0], variants: [.post]) }
        #expect(throws: KeyFileError.self) { _ = try p.keys(sampleID: "a/b", layers: [0], variants: [.pre]) }
        // Tensor names in the file follow the documented layout.
        let f = try SafetensorsFile(url: dir.appendingPathComponent("a%2Fb.safetensors"))
        #expect(f.names == ["modality", "post/0", "post/3", "question_mask"])
    }

    @Test func badMetadataAndShapesAreNamed() throws {
        let dir = try CLIDemo.tempDir("kff-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect("\(error(try KeyFileProvider(directory: dir)))".contains("no metadata.json"))
        try Self.meta([], version: 2).jsonData().write(to: dir.appendingPathComponent("metadata.json"))
        #expect("\(error(try KeyFileProvider(directory: dir)))".contains("format_version 2"))
        try Self.meta([.init(id: "x")]).jsonData().write(to: dir.appendingPathComponent("metadata.json"))
        #expect("\(error(try KeyFileProvider(directory: dir)))".contains("sample 'x'"))
        // A key file whose width disagrees with num_key_value_heads × head_dim.
        var wrong = Self.sample(tokens: 4)
        wrong.keys[.post]![3] = Tensor(zeros: [4, 5])
        try KeyFileSample.write(wrong, sampleID: "x", to: dir.appendingPathComponent("x.safetensors"))
        try Self.meta([.init(id: "x", file: "x.safetensors", tokens: 4)]).jsonData().write(to: dir.appendingPathComponent("metadata.json"))
        let p = try KeyFileProvider(directory: dir)
        let msg = "\(error(try p.keys(sampleID: "x", layers: [0, 3], variants: [.post])))"
        #expect(msg.contains("x.safetensors") && msg.contains("post/3") && msg.contains("[4, 6]"))
    }

    private func error<T>(_ body: @autoclosure () throws -> T) -> any Error {
        do { _ = try body(); return KeyFileError.notCaptured("no error thrown") } catch { return error }
    }
}

import Foundation
import Testing
@testable import CLI
import Coordinator
import Math
import Model
import Worker

/// Shared demo paths, a temp folder and the built `keyscope` executable (next to the test bundle).
enum CLIDemo {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var model: String { repo.appendingPathComponent("demo/models/llava-1.5-tiny").path }
    static var data: String { repo.appendingPathComponent("demo/samples.jsonl").path }

    static func tempDir(_ tag: String) throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("ks-\(tag)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    /// The first `n` demo rows as a dataset in `dir` (images reached through a symlink, so hashes match).
    static func subset(_ n: Int, in dir: URL, extraLines: [String] = []) throws -> String {
        let lines = try String(contentsOfFile: data, encoding: .utf8).split(separator: "\n").prefix(n).map(String.init) + extraLines
        let url = dir.appendingPathComponent("subset.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("images"),
                                                   withDestinationURL: repo.appendingPathComponent("demo/images"))
        return url.path
    }

    static var executable: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("keyscope")
    }

    /// Runs the built executable; returns (status, stdout, stderr).
    static func keyscope(_ args: [String]) throws -> (Int32, String, String) {
        let exe = executable
        guard FileManager.default.isExecutableFile(atPath: exe.path) else {
            throw ValidationErrorText("\(exe.path) not built: run `swift build` (or `swift build --build-tests`) first")
        }
        let p = Process()
        p.executableURL = exe
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    static let smallStats = ["--components", "4", "--bins", "8", "--groups", "3", "--bootstrap", "20", "--permutations", "20",
                             "--subsample", "100", "--calibration-samples", "4", "--seed", "7"]
}

@Suite(.serialized) struct KeysAnalyzeTests {
    @Test func keysThenAnalyzeEqualsRunByteForByte() throws {
        let tmp = try CLIDemo.tempDir("keys")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let data = try CLIDemo.subset(6, in: tmp)
        let keysDir = tmp.appendingPathComponent("keys")
        // Same BLAS threads as the run below: keys depend on it in the last bits.
        try KeysCommand.parse(["--model", CLIDemo.model, "--data", data, "--layers", "0,1", "--rope", "both",
                               "--out", keysDir.path, "--threads", "1", "--quiet"]).run()

        // Metadata: run order, shapes, hashes equal to what `run` records.
        let meta = try KeyFileMetadata.load(directory: keysDir)
        let inputs = try RunInputs.load(model: CLIDemo.model, data: data)
        #expect(meta.samples.map(\.id) == inputs.sampleIDs)
        #expect(meta.inputHashes == inputs.hashes && meta.model == inputs.modelPath && meta.data == inputs.dataPath)
        #expect(meta.layers == [0, 1] && meta.variants == [.pre, .post])
        #expect(meta.template.contains("{question}") && meta.imageTokensPerImage == 576 && meta.captureThreads == 1)

        // Keys read back are the model provider's keys, bit for bit.
        let model = try ModelKeyProvider(modelPath: CLIDemo.model, dataPath: data, maxLayer: 1)
        let files = try KeyFileProvider(directory: keysDir)
        let id = inputs.sampleIDs[2]
        let a = try model.keys(sampleID: id, layers: [0, 1], variants: [.pre, .post])
        let b = try files.keys(sampleID: id, layers: [0, 1], variants: [.pre, .post])
        #expect(a.modality == b.modality && a.isQuestion == b.isQuestion)
        #expect(meta.samples[2].tokens == a.modality.count)
        for v in [RopeVariant.pre, .post] { for l in [0, 1] {
            #expect(a.keys[v]![l]!.shape == [a.modality.count, meta.keyDim])
            #expect(a.keys[v]![l]!.data == b.keys[v]![l]!.data)
        } }
        #expect(throws: KeyFileError.self) { _ = try files.keys(sampleID: id, layers: [2], variants: [.pre]) }

        // Offline analysis vs the distributed run with the same options and threads.
        let runs = tmp.appendingPathComponent("runs")
        try AnalyzeCommand.parse([keysDir.path, "--out", runs.path, "--run-id", "same", "--threads", "1",
                                  "--tsne-layers", "none", "--quiet"] + CLIDemo.smallStats).run()
        let runsRun = tmp.appendingPathComponent("runs-run")
        let (status, _, err) = try CLIDemo.keyscope(["run", "--model", CLIDemo.model, "--data", data, "--layers", "0,1", "--rope", "both",
                                                     "--workers", "1", "--threads", "1", "--out", runsRun.path, "--run-id", "same",
                                                     "--tsne-layers", "none", "--quiet"] + CLIDemo.smallStats)
        #expect(status == 0, "keyscope run failed: \(err)")
        for v in ["pre_rope", "post_rope"] {
            let offline = try Data(contentsOf: runs.appendingPathComponent("same/report/\(v)/report.json"))
            let online = try Data(contentsOf: runsRun.appendingPathComponent("same/report/\(v)/report.json"))
            #expect(offline == online, "\(v)/report.json differs between analyze and run")
            let r = try JSONDecoder().decode(VariantReport.self, from: offline)
            #expect(r.run.samples == 6 && r.layers.map(\.layer) == [0, 1])
        }
    }

    @Test func refusesToOverwriteWithoutForceAndRecordsUnusableSamples() throws {
        let tmp = try CLIDemo.tempDir("keys-force")
        defer { try? FileManager.default.removeItem(at: tmp) }
        // Passes the dataset reader but not prompt building: the question contains the image placeholder.
        let broken = #"{"id": "zz_placeholder", "image": "images/01_astronaut.jpg", "question": "Is <image> here?"}"#
        let data = try CLIDemo.subset(1, in: tmp, extraLines: [broken])
        let out = tmp.appendingPathComponent("k").path
        let args = ["--model", CLIDemo.model, "--data", data, "--layers", "0", "--rope", "pre", "--out", out, "--quiet"]
        try KeysCommand.parse(args).run()
        #expect(throws: (any Error).self) { try KeysCommand.parse(args).run() }
        try KeysCommand.parse(args + ["--force"]).run()
        let meta = try KeyFileMetadata.load(directory: URL(fileURLWithPath: out))
        #expect(meta.samples.count == 2 && meta.samples[0].file != nil)
        let bad = try #require(meta.samples.last)
        #expect(bad.id == "zz_placeholder" && bad.file == nil && (bad.unusable ?? "").hasPrefix("prompt"))
        let p = try KeyFileProvider(directory: URL(fileURLWithPath: out))
        do { _ = try p.keys(sampleID: bad.id, layers: [0], variants: [.pre]); Issue.record("expected SampleUnusable") } catch let e as SampleUnusable {
            #expect(e.reason == bad.unusable)
        }
        #expect(throws: KeyFileError.self) { _ = try p.keys(sampleID: meta.samples[0].id, layers: [0], variants: [.post]) }
    }

    @Test func fileNamesAreSafe() {
        #expect(KeyFileMetadata.fileName(forSample: "01_astronaut_open_en") == "01_astronaut_open_en.safetensors")
        #expect(KeyFileMetadata.fileName(forSample: "../a b") == "%2E.%2Fa%20b.safetensors")
    }
}

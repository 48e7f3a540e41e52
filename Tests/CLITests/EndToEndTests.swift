import Coordinator
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// All end-to-end suites nest in this one, serialized: they start real multi-process runs of the built
/// `keyscope` on a machine with few cores, and the chaos timings (5 s heartbeat timeout) must not
/// compete with each other. Every wait has a timeout; every workspace kills its processes and is deleted.
@Suite(.serialized, .timeLimit(.minutes(5))) enum EndToEnd {}

extension EndToEnd {
    @Suite struct Determinism {
        /// DESIGN §7: results are bit-identical whatever the worker count and partition.
        @Test func sameReportWhateverWorkersAndPartition() throws {
            let ref = try ReferenceRun.get()
            print("reference run (2 workers, t-SNE on layer 0): \(String(format: "%.1f", ref.seconds)) s")
            let ws = try E2EWorkspace()
            defer { ws.close() }
            let data = ref.data
            let run = try ws.startRun("one", data: data, workers: 1, samplesPerUnit: 3, extra: ReferenceRun.tsne)
            #expect(try run.wait(timeout: 120) == 0, "\(run.output)")
            try ref.expectSameReports(ws, "one")
            #expect(!FileManager.default.fileExists(atPath: ws.runDirectory("one") + "/coordinator.sock"), "ipc socket left behind")
            let csvs = try ReferenceRun.collectCSVs(ws, "one")
            #expect(csvs.keys.contains("tsne_pre_0.csv") && csvs.keys.contains("tsne_post_0.csv"), "\(csvs.keys.sorted())")
            #expect(csvs.keys.sorted() == ref.csvs.keys.sorted())
            for (name, bytes) in csvs { #expect(bytes == ref.csvs[name], "report/\(name) differs") }
            // The partition really differed: 1 + 2 units here against 2 + 4 in the reference.
            let units = try ws.records("one")
            #expect(units.filter { $0.unit.phase == 1 }.count == 1 && units.filter { $0.unit.phase == 2 }.count == 2)
        }

        /// `keyscope report RUN_DIR` re-renders from the journal alone, byte for byte.
        @Test func reportRerenderIsIdentical() throws {
            let ref = try ReferenceRun.get()
            for v in ["pre", "post"] { #expect(ref.rerendered[v] == ref.reports[v], "\(v)_rope/report.json changed on re-render") }
            #expect(ref.rerenderedCSVs == ref.csvs)
        }
    }

    @Suite struct Inputs {
        /// A truncated JPEG is excluded and listed, not a failure; then a changed dataset refuses resume.
        @Test func truncatedImageIsExcludedAndChangedDataRefusesResume() throws {
            let ws = try E2EWorkspace()
            defer { ws.close() }
            let data = try ws.dataset(count: 2)
            let jpeg = try Data(contentsOf: E2EWorkspace.repoRoot.appendingPathComponent("demo/images/01_astronaut.jpg"))
            let broken = ws.root.appendingPathComponent("truncated.jpg")
            try jpeg.prefix(jpeg.count / 2).write(to: broken)
            let line = "{\"id\": \"99_truncated\", \"image\": \"\(broken.path)\", \"question\": \"What is shown?\", \"lang\": \"en\"}\n"
            let h = try FileHandle(forWritingTo: data)
            h.seekToEndOfFile(); h.write(Data(line.utf8)); try h.close()

            let run = try ws.startRun("trunc", data: data, workers: 2, samplesPerUnit: 2)
            #expect(try run.wait(timeout: 120) == 0, "\(run.output)")
            let csv = try String(contentsOfFile: ws.runDirectory("trunc") + "/report/excluded_samples.csv", encoding: .utf8)
            let rows = csv.split(separator: "\n").map(String.init)
            #expect(rows.first == "sample_id,reason")
            #expect(rows.count == 2 && rows.last?.hasPrefix("99_truncated,") == true, "\(csv)")
            let report = try JSONDecoder().decode(VariantReport.self, from: try ws.report("trunc", "pre"))
            #expect(report.run.samples == 2)
            #expect(report.run.excludedSamples.map(\.sampleID) == ["99_truncated"])

            let more = try FileHandle(forWritingTo: data)
            more.seekToEndOfFile()
            more.write(Data("{\"id\": \"100_new\", \"image\": \"\(broken.path)\", \"question\": \"New?\", \"lang\": \"en\"}\n".utf8))
            try more.close()
            let (status, out) = try ws.call(["resume", ws.runDirectory("trunc"), "--workers", "1", "--quiet"], timeout: 60)
            #expect(status != 0)
            #expect(out.contains("refusing") && out.contains("data: was"), "\(out)")
            #expect(ws.workerPids("trunc").isEmpty)
        }
    }
}

import Foundation
import Testing

/// The undisturbed run every chaos test compares against, computed once per test process:
/// 2 workers, 1 sample per unit, t-SNE on layer 0. Its bytes are kept; its directory is deleted.
struct ReferenceRun: Sendable {
    static let sampleCount = 4
    static let workers = 2
    static let samplesPerUnit = 1
    static let tsne = ["--tsne-layers", "0"]

    /// `report/<variant>_rope/report.json` by variant.
    var reports: [String: Data]
    /// Every CSV under `report/` (jsd_*, tsne_*, excluded_samples) by file name.
    var csvs: [String: Data]
    /// `report.json` by variant after `keyscope report RUN_DIR` re-rendered the finished run.
    var rerendered: [String: Data]
    var rerenderedCSVs: [String: Data]
    var seconds: Double
    /// The dataset every compared run reads: report.json records its path, so all runs share this file.
    var data: URL

    static let shared: Result<ReferenceRun, any Error> = Result { try make() }

    static func get() throws -> ReferenceRun { try shared.get() }

    /// The reference workspace lives as long as the test process (its dataset is shared), then goes.
    nonisolated(unsafe) private static var homePath = ""

    private static func make() throws -> ReferenceRun {
        let ws = try E2EWorkspace()
        homePath = ws.root.path
        atexit { _ = try? FileManager.default.removeItem(atPath: ReferenceRun.homePath) }
        let data = try ws.dataset(count: sampleCount)
        let t0 = Date()
        let run = try ws.startRun("ref", data: data, workers: workers, samplesPerUnit: samplesPerUnit, extra: tsne)
        let status = try run.wait(timeout: 120)
        guard status == 0 else { throw ReferenceError(message: "reference run exited \(status)\n\(run.output)") }
        let seconds = Date().timeIntervalSince(t0)
        let reports = try collectReports(ws, "ref")
        let csvs = try collectCSVs(ws, "ref")
        for f in try FileManager.default.contentsOfDirectory(atPath: ws.runDirectory("ref") + "/report") where f.hasSuffix(".csv") {
            try FileManager.default.removeItem(atPath: ws.runDirectory("ref") + "/report/" + f)
        }
        for v in ["pre", "post"] { try FileManager.default.removeItem(atPath: ws.runDirectory("ref") + "/report/\(v)_rope/report.json") }
        let (rs, out) = try ws.call(["report", ws.runDirectory("ref")] + tsne, timeout: 60)
        guard rs == 0 else { throw ReferenceError(message: "keyscope report exited \(rs)\n\(out)") }
        return ReferenceRun(reports: reports, csvs: csvs, rerendered: try collectReports(ws, "ref"),
                            rerenderedCSVs: try collectCSVs(ws, "ref"), seconds: seconds, data: data)
    }

    static func collectReports(_ ws: E2EWorkspace, _ runs: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for v in ["pre", "post"] { out[v] = try ws.report(runs, v) }
        return out
    }

    static func collectCSVs(_ ws: E2EWorkspace, _ runs: String) throws -> [String: Data] {
        let dir = ws.runDirectory(runs) + "/report"
        var out: [String: Data] = [:]
        for f in try FileManager.default.contentsOfDirectory(atPath: dir) where f.hasSuffix(".csv") {
            out[f] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + f))
        }
        return out
    }

    /// Expects a finished run's report.json files to equal the reference byte for byte.
    func expectSameReports(_ ws: E2EWorkspace, _ runs: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let got = try Self.collectReports(ws, runs)
        for v in ["pre", "post"] {
            #expect(got[v] == reports[v], "\(v)_rope/report.json differs from the undisturbed run", sourceLocation: sourceLocation)
        }
    }
}

struct ReferenceError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

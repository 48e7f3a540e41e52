import Coordinator
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A temporary directory with a small dataset on the bundled demo model, from which tests start real
/// `keyscope` processes. `close()` kills whatever is left (coordinators and their workers) and deletes it.
final class E2EWorkspace: @unchecked Sendable {
    /// Repository root, from this file's location (Tests/CLITests/Support/…).
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let modelPath = repoRoot.appendingPathComponent("demo/models/llava-1.5-tiny").path
    static let demoSamples = repoRoot.appendingPathComponent("demo/samples.jsonl")
    /// Every run uses this id (in different roots), because report.json records the run id.
    static let runID = "e2e"
    /// Small but not trivial: statistics cost next to nothing, the forward of the tiny model dominates.
    static let fastStatistics = ["--layers", "0,1", "--bootstrap", "20", "--permutations", "20", "--subsample", "100",
                                 "--calibration-samples", "2", "--components", "8", "--bins", "16", "--groups", "4"]

    /// The built executable: `$KEYSCOPE_BIN`, next to the test bundle, or `.build/debug/keyscope`.
    static func executable() throws -> URL {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["KEYSCOPE_BIN"] { candidates.append(env) }
        if let main = Bundle.main.executableURL { candidates.append(main.deletingLastPathComponent().appendingPathComponent("keyscope").path) }
        for b in Bundle.allBundles { candidates.append(b.bundleURL.deletingLastPathComponent().appendingPathComponent("keyscope").path) }
        candidates.append(repoRoot.appendingPathComponent(".build/debug/keyscope").path)
        guard let hit = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw HarnessError.executableMissing(searched: candidates)
        }
        return URL(fileURLWithPath: hit)
    }

    let root: URL
    let exe: URL
    private var children: [ChildProcess] = []
    private var logCounter = 0

    init() throws {
        exe = try Self.executable()
        // Short path: the run's ipc socket path must stay under 108 bytes.
        root = URL(fileURLWithPath: "/tmp/ks-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    /// Writes `name.jsonl` with the first `count` demo samples, images by absolute path.
    func dataset(_ name: String = "data", count: Int) throws -> URL {
        guard let text = try? String(contentsOf: Self.demoSamples, encoding: .utf8) else {
            throw HarnessError.demoMissing(path: Self.demoSamples.path)
        }
        let imagesRoot = Self.repoRoot.appendingPathComponent("demo").path
        var lines: [String] = []
        for line in text.split(separator: "\n").prefix(count) {
            lines.append(line.replacingOccurrences(of: "\"image\": \"images/", with: "\"image\": \"\(imagesRoot)/images/"))
        }
        let url = root.appendingPathComponent("\(name).jsonl")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
        return url
    }

    /// `keyscope run` in `<root>/<runsName>/e2e`; returns the process (not waited for).
    func startRun(_ runsName: String, data: URL, workers: Int, samplesPerUnit: Int, extra: [String] = ["--tsne-layers", "none"]) throws -> ChildProcess {
        try start(["run", "--model", Self.modelPath, "--data", data.path, "--workers", "\(workers)",
                   "--out", root.appendingPathComponent(runsName).path, "--run-id", Self.runID,
                   "--samples-per-unit", "\(samplesPerUnit)", "--quiet"] + Self.fastStatistics + extra)
    }

    func runDirectory(_ runsName: String) -> String { root.appendingPathComponent("\(runsName)/\(Self.runID)").path }

    func start(_ arguments: [String]) throws -> ChildProcess {
        logCounter += 1
        let log = root.appendingPathComponent("\(logCounter)-\(arguments.first ?? "x").log")
        let child = try ChildProcess(executable: exe, arguments: arguments, logURL: log)
        children.append(child)
        return child
    }

    /// Runs a command to completion; returns (status, output).
    func call(_ arguments: [String], timeout: Double) throws -> (status: Int32, output: String) {
        let c = try start(arguments)
        let status = try c.wait(timeout: timeout)
        return (status, c.output)
    }

    /// The bytes of `report/<variant>_rope/<file>` of a run.
    func report(_ runsName: String, _ variant: String, _ file: String = "report.json") throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: runDirectory(runsName) + "/report/\(variant)_rope/\(file)"))
    }

    /// Unit records straight from the journal (read-only; safe while a coordinator writes it).
    func records(_ runsName: String) throws -> [UnitRecord] {
        let path = runDirectory(runsName) + "/journal.sqlite"
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let j = try RunJournal.open(at: path, mode: .readOnly)
        defer { j.close() }
        return try j.loadRecords()
    }

    /// Worker processes attached to a run's ipc socket.
    func workerPids(_ runsName: String) -> [Int32] {
        ProcessTable.pids(commandLineContaining: "worker --connect ipc://\(runDirectory(runsName))/")
    }

    /// Kills every process this workspace started or that still serves one of its runs, then deletes it.
    func close() {
        for c in children where c.isRunning { c.signal(SIGCONT); c.signal(SIGKILL); c.process.waitUntilExit() }
        for pid in ProcessTable.pids(commandLineContaining: root.path) { kill(pid, SIGCONT); kill(pid, SIGKILL) }
        _ = ProcessTable.waitGone(ProcessTable.pids(commandLineContaining: root.path), timeout: 5)
        try? FileManager.default.removeItem(at: root)
    }
}

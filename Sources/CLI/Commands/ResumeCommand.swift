import ArgumentParser
import Coordinator
import Foundation
import Math

/// `keyscope resume RUN_DIR`: continue a stopped or crashed run; finished units are never recomputed.
struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Continue a run after a crash or stop.")
    @Argument(help: "Run directory (runs/<run-id>).") var runDirectory: String
    @Option(help: "Local worker processes (0: wait for external workers).") var workers = 2
    @Option(help: "cluster.json (bind address, heartbeat, lease, CURVE).") var cluster: String?
    @Option(help: "Listen on tcp://HOST:PORT instead of the ipc socket.") var bind: String?
    @Option(help: "t-SNE layers: default, all, none, or a list.") var tsneLayers = "default"
    @Flag(help: "No progress output.") var quiet = false

    @OptionGroup var logging: LoggingFlags

    func run() throws {
        logging.apply()
        if let bind, let problem = BindAddress.problem(bind) { throw ValidationError(problem) }
        let dir = try RunDirectory.open(runDirectory)
        let plan = try RunPlan.load(URL(fileURLWithPath: dir.planPath))
        // Refuse to mix results computed from other inputs.
        let fresh = try RunInputs.load(model: plan.modelPath, data: plan.dataPath)
        var now = plan; now.inputHashes = fresh.hashes; now.sampleIDs = fresh.sampleIDs
        let changes = plan.inputChanges(comparedWith: now)
        guard changes.isEmpty else {
            throw ValidationError("refusing to resume \(dir.path): its inputs changed since the run started:\n  "
                                  + changes.joined(separator: "\n  ") + "\nstart a new run instead")
        }
        let tsne: RunReporter.TSNELayers
        do { tsne = try .init(tsneLayers) } catch { throw ValidationError("\(error)") }
        let clusterConfig = try cluster.map { try ClusterConfig.load(URL(fileURLWithPath: $0)) }
        if !quiet {
            let status = try RunJournal.open(at: dir.journalPath, mode: .readOnly).status()
            Log.line("resuming \(plan.runID): \(status.done) of \(status.total) known units done, \(status.quarantined) quarantined")
        }
        let session = RunSession(directory: dir, plan: plan, resume: true, localWorkers: workers, cluster: clusterConfig,
                                 bind: bind, quiet: quiet, reporter: RunReporter(tsneLayers: tsne))
        let code = try session.execute()
        if code != 0 { throw ExitCode(code) }
    }
}

/// `keyscope report RUN_DIR`: re-render the report from the journal without recomputing any unit.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Re-render report/ of a finished run from its journal.")
    @Argument(help: "Run directory.") var runDirectory: String
    @Option(help: "t-SNE layers: default, all, none, or a list.") var tsneLayers = "default"

    func run() throws {
        let dir = try RunDirectory.open(runDirectory)
        let plan = try RunPlan.load(URL(fileURLWithPath: dir.planPath))
        let journal = try RunJournal.open(at: dir.journalPath, mode: .readOnly)
        defer { journal.close() }
        let tsne: RunReporter.TSNELayers
        do { tsne = try .init(tsneLayers) } catch { throw ValidationError("\(error)") }
        Compute.setThreads(plan.threads)
        let merged = try JournalMerge.merge(journal: journal, plan: plan)
        let analysis = try RunAnalysis.analyze(plan: plan, merged: merged.main, excluded: merged.excluded)
        let info = RunReporter.RunInfo(timings: [], workers: 0, quarantined: try journal.status().quarantinedUnits, createdAt: "")
        let html = try RunReporter(tsneLayers: tsne).write(plan: plan, analysis: analysis, info: info,
                                                           to: URL(fileURLWithPath: dir.reportPath), progress: { Log.line($0) })
        print("report: \(html.path)")
    }
}

import ArgumentParser
import Coordinator
import Foundation
import Math

/// `keyscope sweep sweep.json`: every grid point as an ordinary run (own run directory and report),
/// one after another with the same local workers/cluster settings, then `index.html` side by side.
/// Re-running skips finished runs and resumes unfinished ones (run ids come from the grid point).
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep", abstract: "Run a grid of analyses (docs/sweep-format.md) and compare them in one index.html.")
    @Argument(help: "Sweep definition (sweep.json).") var definition: String
    @Option(help: "Directory holding sweep directories (<out>/<sweep-name>).") var out = "sweeps"
    @Option(help: "Local worker processes per run (0: wait for external `keyscope worker`).") var workers = 2
    @Option(help: "cluster.json (bind address, heartbeat, lease, CURVE), used for every run.") var cluster: String?
    @Option(help: "Listen on tcp://HOST:PORT instead of each run directory's ipc socket.") var bind: String?
    @Flag(help: "Accept a sweep.json that differs from the one the sweep started with (new points get new runs).")
    var update = false
    @Flag(help: "Only show what would run.") var dryRun = false
    @Flag(help: "No per-run progress output.") var quiet = false
    @OptionGroup var logging: LoggingFlags

    func run() throws {
        logging.apply()
        let def: SweepDefinition
        do { def = try SweepDefinition.load(definition) } catch { throw ValidationError("\(error)") }
        guard workers >= 0 else { throw ValidationError("--workers must be ≥ 0") }
        if let bind, let problem = BindAddress.problem(bind) { throw ValidationError(problem) }
        let clusterConfig = try cluster.map { try ClusterConfig.load(URL(fileURLWithPath: $0)) }
        let tsne: RunReporter.TSNELayers
        do { tsne = try .init(def.options.tsneLayers) } catch { throw ValidationError("\(error)") }
        for seed in def.seeds {
            do { try statistics(def.options, seed: seed).validate() } catch { throw ValidationError("sweep definition \(definition): options: \(error)") }
        }
        let (dir, accepted): (SweepDirectory, [String])
        do { (dir, accepted) = try SweepDirectory.prepare(root: out, definition: def, acceptChanges: update, persist: !dryRun) } catch {
            throw ValidationError("\(error)")
        }
        for change in accepted { Log.line("sweep \(def.name): accepted change: \(change)") }
        let lock = dryRun ? nil : try dir.acquireLock()
        defer { withExtendedLifetime(lock) {} }

        let points = def.points
        Log.line("sweep \(def.name): \(points.count) runs → \(dir.path)")
        let t0 = Date()
        var tally: [String: Int] = [:]
        var failures: [String] = []
        var stopCode: Int32?
        for (k, point) in points.enumerated() {
            let id = def.runID(for: point)
            let prefix = "[\(k + 1)/\(points.count)] \(id)"
            let action: SweepRunAction
            do { action = try SweepRunAction.decide(runPath: dir.runPath(id)) } catch {
                failures.append("\(id): \(error)"); Log.line("\(prefix): \(error)"); tally["failed", default: 0] += 1
                continue
            }
            if case .skip = action { Log.line("\(prefix): finished, skipped"); tally["skipped", default: 0] += 1; continue }
            Log.line("\(prefix): \(action.verb) — \(point.label)")
            if dryRun { tally[action.pending, default: 0] += 1; continue }
            let started = Date()
            do {
                let code = try execute(action, point: point, options: def.options, runID: id, sweep: dir,
                                       cluster: clusterConfig, tsne: tsne)
                Log.line(String(format: "%@: %@ in %.1f s", prefix, code == 0 ? "done" : code == 4 ? "done with quarantined units" : "stopped",
                                Date().timeIntervalSince(started)))
                if code == 130 { stopCode = 130; break }
                tally[action.verb, default: 0] += 1
            } catch let e as RunJournalError where e.isDiskFull {
                // Nothing later can succeed on a full disk; the run itself is resumable.
                try? SweepIndexWriter().write(dir, definition: def, status: try dir.statuses())
                throw ValidationError("\(e)\n(then rerun `keyscope sweep \(definition)` to continue the sweep)")
            } catch {
                failures.append("\(id): \(error)")
                Log.line("\(prefix): failed: \(error)")
                tally["failed", default: 0] += 1
            }
        }
        if dryRun {
            Log.line("sweep \(def.name) (dry run): " + tally.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
            return
        }
        let index = try SweepIndexWriter().write(dir, definition: def, status: try dir.statuses())
        let summary = tally.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        Log.line(String(format: "sweep %@: %@ in %.1f s", def.name, summary.isEmpty ? "nothing to do" : summary, Date().timeIntervalSince(t0)))
        print("index: \(index.path)")
        if let stopCode {
            Log.line("interrupted; rerun `keyscope sweep \(definition)` to continue")
            throw ExitCode(stopCode)
        }
        if !failures.isEmpty {
            Log.line("failed runs:\n  " + failures.joined(separator: "\n  "))
            throw ExitCode(1)
        }
    }

    private func statistics(_ o: SweepOptions, seed: UInt64) -> StatisticsOptions {
        StatisticsOptions(components: o.components, bins: o.bins, groups: o.groups, bootstrapDraws: o.bootstrap,
                          permutationDraws: o.permutations, subsampleSize: o.subsample, calibrationSamples: o.calibrationSamples, seed: seed)
    }

    /// One run, exactly as `keyscope run` / `keyscope resume` would do it. Returns RunSession's exit status.
    private func execute(_ action: SweepRunAction, point: SweepPoint, options: SweepOptions, runID: String, sweep: SweepDirectory,
                         cluster: ClusterConfig?, tsne: RunReporter.TSNELayers) throws -> Int32 {
        let reporter = RunReporter(tsneLayers: tsne)
        switch action {
        case .skip:
            return 0
        case .resume:
            let dir = try RunDirectory.open(sweep.runPath(runID))
            let plan = try RunPlan.load(URL(fileURLWithPath: dir.planPath))
            let fresh = try RunInputs.load(model: plan.modelPath, data: plan.dataPath)
            var now = plan; now.inputHashes = fresh.hashes; now.sampleIDs = fresh.sampleIDs
            let changes = plan.inputChanges(comparedWith: now)
            guard changes.isEmpty else {
                throw ValidationErrorText("inputs changed since the run started (\(changes.joined(separator: "; "))); "
                                          + "delete \(dir.path) to recompute it")
            }
            return try RunSession(directory: dir, plan: plan, resume: true, localWorkers: workers, cluster: cluster, bind: bind,
                                  quiet: quiet, reporter: reporter).execute()
        case .start(let cleanup):
            if cleanup { try FileManager.default.removeItem(atPath: sweep.runPath(runID)) }
            let variants: [RopeVariant] = point.rope == "pre" ? [.pre] : point.rope == "post" ? [.post] : [.pre, .post]
            let inputs = try RunInputs.load(model: point.model, data: point.dataset)
            let layers = try LayerSelection.parse(point.layers, layerCount: inputs.layerCount)
            for s in inputs.skippedRows.prefix(10) { Log.line("dataset: skipped \(s)") }
            let dir = try RunDirectory.create(runsRoot: sweep.runsPath, runID: runID)
            var plan = RunPlan(runID: runID, keyscopeVersion: keyscopeVersion, modelPath: inputs.modelPath, dataPath: inputs.dataPath,
                               sampleIDs: inputs.sampleIDs, layers: layers, variants: variants,
                               statistics: statistics(options, seed: point.seed), threads: options.threads,
                               samplesPerUnit: options.samplesPerUnit, textTokens: point.textTokens, inputHashes: inputs.hashes,
                               modelDescription: inputs.modelDescription)
            plan.keyHeads = options.perHead ? inputs.keyHeads : nil
            return try RunSession(directory: dir, plan: plan, resume: false, localWorkers: workers, cluster: cluster, bind: bind,
                                  quiet: quiet, reporter: reporter).execute()
        }
    }
}

/// What a sweep does with one grid point's run directory.
enum SweepRunAction: Equatable {
    case skip
    case resume
    /// `cleanup`: a directory without a journal (killed while being created) is removed first.
    case start(cleanup: Bool)

    var verb: String {
        switch self {
        case .skip: "skipped"
        case .resume: "resumed"
        case .start: "started"
        }
    }

    /// For --dry-run summaries.
    var pending: String {
        switch self {
        case .skip: "skipped"
        case .resume: "to resume"
        case .start: "to start"
        }
    }

    static func decide(runPath: String) throws -> SweepRunAction {
        let fm = FileManager.default
        guard fm.fileExists(atPath: runPath) else { return .start(cleanup: false) }
        guard fm.fileExists(atPath: runPath + "/journal.sqlite") else { return .start(cleanup: true) }
        guard fm.fileExists(atPath: runPath + "/plan.json") else {
            throw ValidationErrorText("\(runPath) has a journal but no plan.json; move it away to recompute this run")
        }
        let dir = try RunDirectory.open(runPath)
        // The run lock, not the status heuristics, says whether a coordinator is driving it right now.
        do { try dir.acquireLock().release() } catch {
            throw ValidationErrorText("\(error); is another `keyscope resume` driving it?")
        }
        return try RunStatus.load(dir).isFinished ? .skip : .resume
    }
}

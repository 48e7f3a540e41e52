import Foundation
import Math
import Protocol

/// Drives a run through its phases on one coordinator: phase 1 (calibration) units, the canonical merge
/// into `calibration.bin`, phase 2 (main pass) units, the final merge, analysis and report.
///
/// All state lives in the journal: a fresh start and `resume` take the same path, and whatever was
/// finished before a crash is merged, never recomputed. Workers stay connected across the phase change
/// (`FinishPolicy.keepServing`).
public final class RunDriver: @unchecked Sendable {
    public struct Options: Sendable {
        public var endpoint: String
        public var scheduler: SchedulerConfig
        public var prefetch: Int
        public var prepareSocket: (@Sendable (ZMQSocket) throws -> Void)?
        /// Flushed to the journal beside the server's own counters (e.g. the ZAP handler's refusals).
        public var extraCounters: (@Sendable () -> [String: Int])?
        public init(endpoint: String, scheduler: SchedulerConfig = SchedulerConfig(), prefetch: Int = 1,
                    prepareSocket: (@Sendable (ZMQSocket) throws -> Void)? = nil) {
            self.endpoint = endpoint; self.scheduler = scheduler; self.prefetch = prefetch; self.prepareSocket = prepareSocket
        }
    }

    public enum Phase: Sendable { case calibration, main }
    public enum Event: Sendable {
        case coordinator(CoordinatorEvent)
        case phaseStarted(Phase, units: Int)
        case merged(Phase, seconds: Double)
    }

    public let directory: RunDirectory
    public let plan: RunPlan
    private let journal: RunJournal
    private let options: Options
    private let onEvent: @Sendable (Event) -> Void
    private let lock = NSLock()
    private var server: CoordinatorServer?
    private var interrupted = false

    public struct Outcome: Sendable {
        public var analysis: RunAnalysis.Output?
        public var quarantined: [QuarantinedUnit]
        public var interrupted: Bool
        public var workersSeen: Int
        public var timings: [(String, Double)]
    }

    /// Creates the journal for a fresh run (`plan.json` written alongside) or opens it to resume.
    public init(directory: RunDirectory, plan: RunPlan, resume: Bool, options: Options,
                onEvent: @escaping @Sendable (Event) -> Void = { _ in }) throws {
        self.directory = directory; self.plan = plan; self.options = options; self.onEvent = onEvent
        if resume {
            journal = try RunJournal.open(at: directory.journalPath, mode: .resume)
        } else {
            let json = String(decoding: try plan.jsonData(), as: UTF8.self)
            try Data(json.utf8).write(to: URL(fileURLWithPath: directory.planPath), options: .atomic)
            let units = plan.calibrationUnits().map { WorkUnit(id: $0.unitID, phase: 1, spec: $0.encoded()) }
            journal = try RunJournal.create(at: directory.journalPath, planJSON: json, inputHashes: plan.inputHashes, units: units)
        }
    }

    /// Stops at the next opportunity, leaving a resumable run (SIGINT/SIGTERM).
    public func interrupt() {
        lock.withLock { interrupted = true; server?.requestStop(shutdownWorkers: true) }
    }

    public var counters: CoordinatorCounters? { lock.withLock { server?.counters } }

    public func run() throws -> Outcome {
        Compute.setThreads(plan.threads)
        var timings: [(String, Double)] = []
        let clock = ContinuousClock()
        let workers = LockedBox(Set<String>())
        let serverError = LockedBox<Error?>(nil)

        var config = CoordinatorServerConfig(endpoint: options.endpoint, runID: plan.runID, scheduler: options.scheduler,
                                             prefetch: options.prefetch)
        config.whenFinished = .keepServing
        config.prepareSocket = options.prepareSocket
        config.extraCounters = options.extraCounters
        config.describe = { unit in
            guard let s = try? RunUnitSpec.decode(unit.spec) else { return ([], []) }
            return (s.sampleIDs, s.layers.map { UInt32($0) })
        }
        let server = try CoordinatorServer(config: config, journal: journal, onEvent: { [onEvent] e in
            if case let .workerJoined(w, _) = e { workers.mutate { _ = $0.insert(w) } }
            onEvent(.coordinator(e))
        })
        lock.withLock { self.server = server }
        if lock.withLock({ interrupted }) { server.requestStop(shutdownWorkers: true) }

        let serverDone = DispatchSemaphore(value: 0)
        let thread = Thread {
            do { _ = try server.run() } catch { serverError.mutate { $0 = error } }
            serverDone.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()

        /// Waits until all `total` units known to the server are terminal; false if the server stopped first.
        func waitPhase(total: Int) -> Bool {
            while true {
                if serverDone.wait(timeout: .now() + .milliseconds(50)) == .success { serverDone.signal(); return false }
                let p = server.progress
                if p.total >= total && p.finished { return true }
            }
        }
        func records(_ phase: Int) throws -> [UnitRecord] { try journal.loadRecords().filter { $0.unit.phase == phase } }

        // Phase 1.
        let t1 = clock.now
        onEvent(.phaseStarted(.calibration, units: try records(1).count))
        var outcome = Outcome(analysis: nil, quarantined: [], interrupted: false, workersSeen: 0, timings: [])
        func stop(_ interruptedRun: Bool) throws -> Outcome {
            server.requestStop(shutdownWorkers: true)
            serverDone.wait(); serverDone.signal()
            if let e = serverError.value { throw e }
            outcome.interrupted = interruptedRun
            outcome.quarantined = (try? journal.status().quarantinedUnits) ?? []
            outcome.workersSeen = workers.value.count
            outcome.timings = timings
            return outcome
        }
        if try !records(1).allSatisfy(\.state.isTerminal) { guard waitPhase(total: try records(1).count) else { return try stop(true) } }
        timings.append(("calibration units", seconds(clock.now - t1)))

        let tm1 = clock.now
        var p1 = PhaseMerger()
        try journal.forEachResult { r in
            guard r.unit.phase == 1 else { return }
            try p1.add(unitID: r.unit.id, outcome: try UnitOutcome(decoding: r.blob, what: "unit \(r.unit.id) result"), phase: .calibration)
        }
        let calibrations = try p1.finalizeCalibration(options: plan.statistics)
        let calURL = URL(fileURLWithPath: directory.path).appendingPathComponent("calibration.bin")
        let fp = try CalibrationFile.write(calibrations, to: calURL)
        timings.append(("calibration merge", seconds(clock.now - tm1)))
        onEvent(.merged(.calibration, seconds: seconds(clock.now - tm1)))

        // Phase 2 (units are added once; a resumed run finds them in the journal).
        let t2 = clock.now
        if try records(2).isEmpty {
            let units = plan.mainUnits(calibrationPath: calURL.path, fingerprint: fp)
            try server.addUnits(units.map { WorkUnit(id: $0.unitID, phase: 2, spec: $0.encoded()) })
        } else if let spec = try records(2).first.map({ try RunUnitSpec.decode($0.unit.spec) }), spec.calibrationFingerprint != fp {
            throw MergeError.unknownEntry("calibration recomputed on resume has fingerprint \(String(fp, radix: 16)), "
                + "but the journaled phase-2 units expect \(String(spec.calibrationFingerprint ?? 0, radix: 16))")
        }
        onEvent(.phaseStarted(.main, units: try records(2).count))
        let total = try journal.loadRecords().count
        if try !records(2).allSatisfy(\.state.isTerminal) { guard waitPhase(total: total) else { return try stop(true) } }
        timings.append(("main-pass units", seconds(clock.now - t2)))

        let tm2 = clock.now
        var p2 = PhaseMerger(calibrations: calibrations)
        var excluded: [ExcludedSample] = []
        try journal.forEachResult { r in
            guard r.unit.phase == 2 else { return }
            try p2.add(unitID: r.unit.id, outcome: try UnitOutcome(decoding: r.blob, what: "unit \(r.unit.id) result"), phase: .main)
        }
        excluded = p2.excluded
        outcome.analysis = try RunAnalysis.analyze(plan: plan, merged: p2.mainAccumulators, excluded: excluded)
        timings.append(("merge and statistics", seconds(clock.now - tm2)))
        onEvent(.merged(.main, seconds: seconds(clock.now - tm2)))
        return try stop(false)
    }

    public func close() { journal.close() }
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

extension UnitState {
    var isTerminal: Bool { self == .done || self == .quarantined }
}

/// A value shared between the server's loop thread and the driver, behind a lock.
final class LockedBox<T>: @unchecked Sendable {
    private var v: T
    private let lock = NSLock()
    init(_ v: T) { self.v = v }
    var value: T { lock.withLock { v } }
    func mutate(_ f: (inout T) -> Void) { lock.withLock { f(&v) } }
}

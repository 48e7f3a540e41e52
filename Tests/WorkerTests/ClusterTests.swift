import Coordinator
import Foundation
import Math
import Protocol
import Testing
@testable import Worker

/// An in-process cluster: one CoordinatorServer thread and worker threads over ipc:// in a temp dir.
final class Cluster: @unchecked Sendable {
    let tmp = TemporaryDirectory()
    let run: RunDirectory
    let units: [WorkUnit]
    private(set) var journal: RunJournal
    let events = Log<CoordinatorEvent>()
    let sunk = Log<JournaledResult>()

    static let scheduler = SchedulerConfig(heartbeatInterval: Timing.heartbeat, liveness: Timing.liveness,
                                           leaseTimeout: 30, maxAttempts: 3, backoffBase: 0.05, backoffMax: 0.4)

    /// Unit i sums `values(i)`; unit ids are 10, 11, … so they differ from positions.
    init(unitValues: [[Int32]]) throws {
        run = try RunDirectory.create(runsRoot: tmp.path, runID: "r")
        units = unitValues.enumerated().map { i, v in WorkUnit(id: 10 + i, phase: 2, spec: Toy.spec(v)) }
        journal = try RunJournal.create(at: run.journalPath, planJSON: "{}", inputHashes: [:], units: units)
    }

    /// nil: the run directory's ipc socket.
    var tcpEndpoint: String? = nil
    var prefetch = 1
    var whenFinished = FinishPolicy.shutdownWorkers

    func serverConfig() throws -> CoordinatorServerConfig {
        var c = try CoordinatorServerConfig(run: run, scheduler: Self.scheduler, prefetch: prefetch)
        if let tcpEndpoint { c.endpoint = tcpEndpoint }
        c.whenFinished = whenFinished
        c.socketOptions = Timing.socketOptions
        c.progressInterval = 0.1
        c.drainSeconds = 0.3
        return c
    }

    func startServer(onEvent extra: @escaping @Sendable (CoordinatorEvent, CoordinatorServer?) -> Void = { _, _ in })
        throws -> (CoordinatorServer, Background<CoordinatorSummary>) {
        let box = ServerBox()
        let events = self.events, sunk = self.sunk
        let server = try CoordinatorServer(config: serverConfig(), journal: journal,
                                           onEvent: { e in events.append(e); extra(e, box.server) },
                                           resultSink: { sunk.append($0) })
        box.server = server
        let background = Background("coordinator") { try server.run() }
        try waitUntil("coordinator listening") { server.boundEndpoint != nil }
        return (server, background)
    }

    func startWorker(_ id: String, _ executor: SumExecutor, endpoint: String? = nil,
                     events: Log<WorkerEvent>? = nil) -> (WorkerClient, Background<WorkerExit>) {
        let client = WorkerClient(config: Timing.worker(id, endpoint ?? (try! run.ipcEndpoint())), executor: executor,
                                  onEvent: { events?.append($0) })
        return (client, Background("worker \(id)") { try client.run() })
    }

    /// Closes and reopens the journal, as a restarted coordinator process would.
    func reopenJournal() throws -> Int {
        journal.close()
        journal = try RunJournal.open(at: run.journalPath)
        return journal.recoveredLeases
    }

    func results() throws -> [Int: (attempt: Int, sum: Int64)] {
        var out: [Int: (attempt: Int, sum: Int64)] = [:]
        try journal.forEachResult { r in
            precondition(out[r.unit.id] == nil, "unit \(r.unit.id) has two results")
            out[r.unit.id] = (r.attempt, Toy.decode(r.blob))
        }
        return out
    }

    func expectedSum(_ unit: WorkUnit) -> Int64 { Toy.decode(Toy.sum(unit.spec)) }

    func count(_ match: (CoordinatorEvent) -> Bool) -> Int { events.all.filter(match).count }
}

final class ServerBox: @unchecked Sendable { var server: CoordinatorServer? }

/// A raw DEALER for sending hand-made frames to the coordinator.
func rawDealer(_ endpoint: String) throws -> ZMQSocket {
    let s = try ZMQSocket(type: .dealer)
    try s.configure(Timing.socketOptions)
    try s.connect(endpoint)
    return s
}

@Suite(.serialized) struct ClusterTests {
    @Test func allUnitsCompleteExactlyOnce() throws {
        // Unit 0 takes 0.6 s, longer than the 0.25 s silence limit: heartbeats must flow meanwhile.
        let cluster = try Cluster(unitValues: (0..<12).map { i in (0...Int32(i)).map { $0 * 3 + (i == 0 ? 7000 : 0) } })
        let (_, coordinator) = try cluster.startServer()
        let executors = (0..<3).map { _ in SumExecutor(delay: 0.02, slow: [7000: 0.6]) }
        var workers = [cluster.startWorker("w0", executors[0])]
        try waitUntil("w0 holds unit 10") { executors[0].entered.all.contains(7000) }
        workers += [cluster.startWorker("w1", executors[1]), cluster.startWorker("w2", executors[2])]

        let summary = try coordinator.wait(timeout: 20)
        #expect(summary.finished && summary.progress.done == 12)
        for (_, w) in workers { #expect(try w.wait(timeout: 5) == .shutdown(reason: "run finished")) }
        let results = try cluster.results()
        #expect(results.count == 12)
        for unit in cluster.units {
            #expect(results[unit.id]?.sum == cluster.expectedSum(unit))
            #expect(results[unit.id]?.attempt == 1)
        }
        // Exactly once: each unit executed once overall, delivered to the sink once, no duplicates.
        let calls = executors.flatMap { $0.calls.all }
        #expect(calls.count == 12 && Set(calls.map { $0 }).count == 12)
        #expect(cluster.sunk.all.map(\.unit.id).sorted() == cluster.units.map(\.id))
        #expect(summary.counters.duplicateResults == 0 && summary.counters.malformed == 0)
        #expect(cluster.count { if case .workerLost = $0 { true } else { false } } == 0)
        // The sink saw results in arrival order, i.e. the order of acceptance events.
        let accepted = cluster.events.all.compactMap { e -> Int? in if case .resultAccepted(let k, _, _) = e { k.unitID } else { nil } }
        #expect(accepted == cluster.sunk.all.map(\.unit.id))
        #expect(try cluster.journal.status().done == 12)
    }

    @Test func killedWorkersUnitIsReleasedAndFinishes() throws {
        let cluster = try Cluster(unitValues: [[1000, 1]] + (1..<6).map { [Int32($0)] })
        let (_, coordinator) = try cluster.startServer()
        let victimExecutor = SumExecutor(gateValues: [1000])
        let (victim, victimRun) = cluster.startWorker("victim", victimExecutor)
        try waitUntil("victim is inside unit 10") { victimExecutor.entered.all == [1000] }
        let survivorExecutor = SumExecutor(delay: 0.01)
        let (_, survivorRun) = cluster.startWorker("survivor", survivorExecutor)
        // Mid-unit death: the victim's threads stop talking without a word (as SIGKILL would).
        victim.requestStop(announce: false)
        #expect(try victimRun.wait(timeout: 5) == .stopped)

        let summary = try coordinator.wait(timeout: 20)
        victimExecutor.openGate()
        #expect(summary.finished && summary.progress.done == 6)
        #expect(try survivorRun.wait(timeout: 5) == .shutdown(reason: "run finished"))
        #expect(cluster.count { if case .workerLost(worker: "victim", leases: [LeaseKey(unitID: 10, attempt: 1)]) = $0 { true } else { false } } == 1)
        let results = try cluster.results()
        #expect(results.count == 6)
        #expect(results[10]?.attempt == 2 && results[10]?.sum == 1001)
        let record = try #require(cluster.journal.loadRecords().first { $0.unit.id == 10 })
        #expect(record.failures == 1 && record.attempts == 2)
        #expect(record.lastError?.contains("worker victim lost") == true)
        #expect(survivorExecutor.calls.all.filter { $0.first == 1000 }.count == 1)
    }

    @Test func restartedCoordinatorRerunsOnlyUnfinishedUnits() throws {
        let cluster = try Cluster(unitValues: (0..<10).map { [Int32($0), 100] })
        let executors = [SumExecutor(delay: 0.05), SumExecutor(delay: 0.05)]
        let (first, firstRun) = try cluster.startServer { event, server in
            if case .resultAccepted = event, (server?.counters.resultsAccepted ?? 0) >= 4 { server?.requestStop() }
        }
        let workers = [cluster.startWorker("a", executors[0]), cluster.startWorker("b", executors[1])]
        let partial = try firstRun.wait(timeout: 20)
        #expect(!partial.finished && first.counters.resultsAccepted >= 4)
        let recovered = try cluster.reopenJournal()
        let doneBefore = Set(try cluster.results().keys)
        #expect(doneBefore.count >= 4 && doneBefore.count < 10)
        #expect(recovered <= 2)  // at most one lease per worker was in flight

        let (_, secondRun) = try cluster.startServer()
        let summary = try secondRun.wait(timeout: 20)
        #expect(summary.finished && summary.progress.done == 10)
        for (_, w) in workers { #expect(try w.wait(timeout: 5) == .shutdown(reason: "run finished")) }
        let results = try cluster.results()
        #expect(results.count == 10)
        for unit in cluster.units { #expect(results[unit.id]?.sum == cluster.expectedSum(unit)) }
        // Finished units were never computed again.
        let calls = executors.flatMap { $0.calls.all }
        for id in doneBefore {
            let spec = Toy.values(cluster.units.first { $0.id == id }!.spec)
            #expect(calls.filter { $0 == spec }.count == 1, "unit \(id) ran again")
        }
        #expect(calls.count <= 10 + recovered)
    }

    @Test func garbageFramesAreCountedAndIgnored() throws {
        let cluster = try Cluster(unitValues: [[1], [2], [3]])
        let (server, coordinator) = try cluster.startServer()
        let raw = try rawDealer(try cluster.run.ipcEndpoint())
        defer { raw.close() }
        let header = try MessageCodec.standard.encode(.heartbeat(Heartbeat(sequence: 1)))
        var unknownType = header
        unknownType[0][6] = 0x7E
        var truncated = header
        truncated[1] = Array(truncated[1].prefix(3))
        let mismatched = try MessageCodec.standard.encode(.result(UnitResult(unitID: 10, attempt: 1, leaseID: 12345, blobs: [[0]])))
        let wrongWay = try MessageCodec.standard.encode(.assign(Assign(unitID: 10, attempt: 1, leaseID: 1, runID: "r", phase: .main,
                                                                      sampleIDs: [], layers: [])))
        let garbage: [[[UInt8]]] = [[[]], [[1, 2, 3]], [Array(repeating: 0xFF, count: 64), [9]], unknownType, truncated,
                                    mismatched, wrongWay]
        for frames in garbage { try raw.send(frames) }
        try waitUntil("all garbage counted", timeout: 5) { server.counters.malformed == garbage.count }

        let executor = SumExecutor()
        let (_, worker) = cluster.startWorker("w", executor)
        let summary = try coordinator.wait(timeout: 20)
        _ = try worker.wait(timeout: 5)
        #expect(summary.finished && summary.progress.done == 3)
        #expect(summary.counters.malformed == garbage.count)
        let reasons = summary.counters.malformedByReason
        #expect(reasons["bad_magic"] == 3)
        #expect(reasons["unknown_type"] == 1 && reasons["lease_mismatch"] == 1 && reasons["unexpected_type"] == 1)
        #expect(reasons.values.reduce(0, +) == garbage.count)
        #expect(summary.counters.rejected == 0)
    }

    @Test func oldVersionHelloGetsReject() throws {
        let cluster = try Cluster(unitValues: [[1]])
        let (server, coordinator) = try cluster.startServer()
        let raw = try rawDealer(try cluster.run.ipcEndpoint())
        defer { raw.close() }
        var hello = try MessageCodec.standard.encode(.hello(Hello(workerID: "old", keyscopeVersion: "0.0.1", cores: 1,
                                                                 threads: 1, memoryBytes: 0)))
        hello[0][4] = 0  // protocol version 0, little-endian u16 at offset 4
        hello[0][5] = 0
        try raw.send(hello)
        let reply = try #require(try raw.receive(timeoutMilliseconds: 5000))
        guard case .reject(let reject) = try MessageCodec.standard.decode(frames: reply) else {
            Issue.record("expected REJECT"); return
        }
        #expect(reject.expectedVersion == MessageCodec.protocolVersion && reject.reason.contains("version 0"))
        #expect(server.counters.rejected == 1)
        #expect(cluster.count { if case .workerJoined = $0 { true } else { false } } == 0)
        server.requestStop()
        let summary = try coordinator.wait(timeout: 5)
        #expect(!summary.finished && summary.progress.pending == 1)
    }

    @Test func badUnitIsQuarantinedAndTheRunStillFinishes() throws {
        let cluster = try Cluster(unitValues: [[1], [-1], [3]])
        let (_, coordinator) = try cluster.startServer()
        let (_, worker) = cluster.startWorker("w", SumExecutor())
        let summary = try coordinator.wait(timeout: 20)
        _ = try worker.wait(timeout: 5)
        #expect(summary.finished && summary.progress.done == 2 && summary.progress.quarantined == 1)
        let status = try cluster.journal.status()
        #expect(status.quarantinedUnits.map(\.unitID) == [11])
        #expect(status.quarantinedUnits.first?.lastError == "negative input -1")
    }

    @Test func tcpOnLoopbackWithPrefetch() throws {
        let cluster = try Cluster(unitValues: (0..<6).map { [Int32($0), 1] })
        cluster.tcpEndpoint = "tcp://127.0.0.1:0"
        cluster.prefetch = 2
        let (server, coordinator) = try cluster.startServer()
        let bound = try #require(server.boundEndpoint)
        #expect(bound.hasPrefix("tcp://127.0.0.1:") && !bound.hasSuffix(":0"))
        let (_, worker) = cluster.startWorker("w", SumExecutor(delay: 0.02), endpoint: bound)
        let summary = try coordinator.wait(timeout: 20)
        _ = try worker.wait(timeout: 5)
        #expect(summary.finished && summary.progress.done == 6 && summary.counters.assignsSent == 6)
        #expect(try cluster.results().count == 6)
        #expect(!FileManager.default.fileExists(atPath: cluster.run.socketPath))
    }

    @Test func secondPhaseIsAddedWithoutWorkersReconnecting() throws {
        let cluster = try Cluster(unitValues: (0..<4).map { [Int32($0)] })  // phase 2 units 10…13
        cluster.whenFinished = .keepServing
        let (server, coordinator) = try cluster.startServer()
        let workerEvents = Log<WorkerEvent>()
        let (_, worker) = cluster.startWorker("w", SumExecutor(delay: 0.01), events: workerEvents)
        func finishedCount() -> Int { cluster.count { if case .finished = $0 { true } else { false } } }
        try waitUntil("first batch finished") { finishedCount() == 1 }
        usleep(300_000)  // longer than the 250 ms silence limit: the idle worker must stay connected
        let more = (0..<3).map { WorkUnit(id: 20 + $0, phase: 1, spec: Toy.spec([Int32(50 + $0)])) }
        try server.addUnits(more)
        #expect(throws: RunJournalError.duplicateUnitID(path: cluster.run.journalPath, unitID: 20)) { try server.addUnits([more[0]]) }
        #expect(throws: CoordinatorServerError.invalidPhase(unitID: 99, phase: 7)) {
            try server.addUnits([WorkUnit(id: 99, phase: 7, spec: [])])
        }
        try waitUntil("second batch finished") { finishedCount() == 2 }
        server.requestStop(shutdownWorkers: true)
        let summary = try coordinator.wait(timeout: 5)
        #expect(summary.finished && summary.progress.done == 7)
        #expect(try worker.wait(timeout: 5) == .shutdown(reason: "coordinator stopped"))
        #expect(workerEvents.all.filter { if case .connecting = $0 { true } else { false } }.count == 1)
        var order: [Int] = []
        try cluster.journal.forEachResult { order.append($0.unit.id) }
        #expect(order == [10, 11, 12, 13, 20, 21, 22])
    }

    /// The real statistics executor over the cluster: every journaled blob is byte-identical to
    /// running the same unit in-process, whatever worker computed it.
    @Test func statisticsUnitsOverTheClusterMatchInProcess() throws {
        let executor = StatisticsUnitExecutor { _ in SyntheticKeyProvider(width: 8, imageTokens: 6, textTokens: 4) }
        let stats = StatisticsOptions(components: 4, bins: 8, groups: 4, bootstrapDraws: 10, permutationDraws: 10,
                                      subsampleSize: 16, calibrationSamples: 8)
        let specs = (0..<4).map { u in
            RunUnitSpec(runID: "r", unitID: u, phase: .calibration, modelPath: "-", dataPath: "-",
                        sampleIDs: (0..<3).map { "s\(u * 3 + $0)" }, layers: [0, 1], variants: [.pre, .post],
                        statistics: stats, threads: 1)
        }
        let tmp = TemporaryDirectory()
        let run = try RunDirectory.create(runsRoot: tmp.path, runID: "stats")
        let units = specs.map { WorkUnit($0) }
        #expect(units.map(\.phase) == [1, 1, 1, 1])
        let journal = try RunJournal.create(at: run.journalPath, planJSON: "{}", inputHashes: [:],
                                            units: units + [WorkUnit(id: 99, phase: 1, spec: Array("not json".utf8))])
        defer { journal.close() }
        var config = try CoordinatorServerConfig(run: run, scheduler: Cluster.scheduler)
        config.socketOptions = Timing.socketOptions
        config.drainSeconds = 0.2
        let server = try CoordinatorServer(config: config, journal: journal)
        let coordinator = Background("coordinator") { try server.run() }
        let workers = (0..<2).map { i in
            let client = WorkerClient(config: Timing.worker("s\(i)", try! run.ipcEndpoint()), executor: executor)
            return Background("worker \(i)") { try client.run() }
        }
        let summary = try coordinator.wait(timeout: 30)
        for w in workers { _ = try w.wait(timeout: 5) }
        #expect(summary.progress.done == 4 && summary.progress.quarantined == 1)
        var blobs: [Int: [UInt8]] = [:]
        try journal.forEachResult { blobs[$0.unit.id] = $0.blob }
        for spec in specs { #expect(blobs[spec.unitID] == (try executor.execute(spec).encoded())) }
        #expect(try journal.status().quarantinedUnits.first?.unitID == 99)
        #expect(try journal.status().quarantinedUnits.first?.failures == 1)  // non-retryable: no retries
    }
}

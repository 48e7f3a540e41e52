import Coordinator
import Foundation
import Protocol
import Testing
@testable import Worker

/// The coordinator's activity records (sessions, workers, completions, garbage counters) and the
/// disk-full path, on the in-process cluster of ClusterTests.
@Suite(.serialized) struct JournalActivityTests {
    /// A server on `cluster`'s journal that flushes its counters every 0.1 s.
    static func start(_ cluster: Cluster, journal: RunJournal? = nil,
                      extraCounters: (@Sendable () -> [String: Int])? = nil) throws -> (CoordinatorServer, Background<CoordinatorSummary>) {
        var config = try cluster.serverConfig()
        config.activityFlushInterval = 0.1
        config.extraCounters = extraCounters
        let server = try CoordinatorServer(config: config, journal: journal ?? cluster.journal)
        let background = Background("coordinator") { try server.run() }
        try waitUntil("coordinator listening") { server.boundEndpoint != nil }
        return (server, background)
    }

    static func worker(_ id: String, _ cluster: Cluster, _ executor: some UnitExecutor) -> (WorkerClient, Background<WorkerExit>) {
        let client = WorkerClient(config: Timing.worker(id, try! cluster.run.ipcEndpoint()), executor: executor, onEvent: { _ in })
        return (client, Background("worker \(id)") { try client.run() })
    }

    static func activity(_ cluster: Cluster) throws -> JournalActivity {
        let reader = try RunJournal.open(at: cluster.run.journalPath, mode: .readOnly)
        defer { reader.close() }
        return try reader.activity()
    }

    @Test func garbageCountersWorkersAndCompletionsArePersistedWhileLiveAndAfter() throws {
        let cluster = try Cluster(unitValues: [[1], [2], [3]])
        let (_, coordinator) = try Self.start(cluster)
        let raw = try rawDealer(try cluster.run.ipcEndpoint())
        defer { raw.close() }
        var oldHello = try MessageCodec.standard.encode(.hello(Hello(workerID: "old", keyscopeVersion: "0.0.1", cores: 1,
                                                                    threads: 1, memoryBytes: 0)))
        oldHello[0][4] = 0; oldHello[0][5] = 0  // protocol version 0
        let beat = try MessageCodec.standard.encode(.heartbeat(Heartbeat(sequence: 1)))  // valid, but never said HELLO
        // Over the codec's frame limit, and over the socket's (dropped before decoding).
        let overCodec = Array(repeating: [UInt8(7)], count: ProtocolLimits.standard.maxFrames + 50)
        let overSocket = Array(repeating: [UInt8(7)], count: 4096 + 10)
        for frames in [[[1, 2, 3]], [Array(repeating: 0xFF, count: 64), [9]], oldHello, beat, overCodec, overSocket] as [[[UInt8]]] {
            try raw.send(frames)
        }
        // Visible to a second (read-only) connection while the coordinator still runs.
        try waitUntil("garbage counters flushed to the journal", timeout: 10) {
            let c = (try? Self.activity(cluster).counters) ?? [:]
            return c["malformed"] == 4 && c["rejected_version"] == 1 && c["unknown_peer_messages"] == 1
        }
        let live = try Self.activity(cluster)
        #expect(live.sessions.count == 1 && live.sessions[0].endedUnix == nil)
        #expect(live.counters["malformed.bad_magic"] == 2 && live.counters["malformed.limit"] == 1
                && live.counters["malformed.frames"] == 1, "\(live.counters)")

        let (_, worker) = cluster.startWorker("w1", SumExecutor())
        let summary = try coordinator.wait(timeout: 20)
        _ = try worker.wait(timeout: 5)
        #expect(summary.finished)
        let after = try Self.activity(cluster)
        #expect(after.sessions.count == 1 && after.sessions[0].endReason == "finished")
        #expect(after.completions.map(\.unitID).sorted() == [10, 11, 12])
        #expect(after.completions.allSatisfy { $0.worker == "w1" && $0.session == after.sessions[0].id })
        let w = try #require(after.workers.first { $0.worker == "w1" })
        #expect(w.joins == 1 && !w.connected)
        #expect(after.events.contains { $0.worker == "w1" && $0.kind == .joined })
        #expect(after.counters["results_accepted"] == 3 && after.counters["malformed"] == 4)
    }

    /// Counters kept outside the server (the ZAP handler's refusals) are flushed with its own.
    @Test func extraCountersAreFlushedToo() throws {
        let cluster = try Cluster(unitValues: [[1]])
        let (server, coordinator) = try Self.start(cluster, extraCounters: { ["zap_refused": 7] })
        try waitUntil("extra counters flushed", timeout: 10) { (try? Self.activity(cluster).counters["zap_refused"]) == 7 }
        server.requestStop()
        _ = try coordinator.wait(timeout: 5)
        #expect(try Self.activity(cluster).counters["zap_refused"] == 7)
    }

    @Test func countersOfSeveralSessionsAddUp() throws {
        let cluster = try Cluster(unitValues: [[1], [2]])
        for round in 1...2 {
            if round == 2 { _ = try cluster.reopenJournal() }
            let (server, coordinator) = try Self.start(cluster)
            let raw = try rawDealer(try cluster.run.ipcEndpoint())
            try raw.send([[1, 2, 3]])
            try waitUntil("garbage counted") { server.counters.malformed == 1 }
            raw.close()
            server.requestStop()
            _ = try coordinator.wait(timeout: 5)
        }
        let a = try Self.activity(cluster)
        #expect(a.sessions.count == 2 && a.sessions.allSatisfy { $0.endReason == "stopped" })
        #expect(a.counters["malformed"] == 2)
    }

    /// SQLite itself fails the write with SQLITE_FULL (max_page_count), as on a full disk: the server
    /// stops with `diskFull`, the journal passes an integrity check with every accepted result intact,
    /// and a resumed coordinator finishes the rest, each unit exactly once.
    @Test func diskFullStopsTheServerCleanlyAndResumeFinishes() throws {
        let cluster = try Cluster(unitValues: (0..<40).map { [Int32($0), 1] })
        let limited = try RunJournal.open(at: cluster.run.journalPath, mode: .resume)
        try limited.limitSizeForTesting(extraPages: 12)
        let (_, coordinator) = try Self.start(cluster, journal: limited)
        let (client, worker) = Self.worker("w", cluster, PaddedSumExecutor())
        var thrown: Error?
        do { _ = try coordinator.wait(timeout: 60) } catch { thrown = error }
        let e = try #require(thrown as? RunJournalError)
        #expect(e.isDiskFull, "\(e)")
        #expect(e.description.contains("is full") && e.description.contains("keyscope resume"))
        limited.close()
        client.requestStop(announce: false)
        _ = try worker.wait(timeout: 10)

        _ = try cluster.reopenJournal()
        #expect(try cluster.journal.integrityCheck() == "ok")
        let before = try cluster.journal.loadRecords()
        let done = before.filter { $0.state == .done }
        #expect(!done.isEmpty && done.count < 40, "done when the disk filled: \(done.count)")
        print("disk full after \(done.count) of 40 units")
        let results = try cluster.results()
        #expect(Set(results.keys) == Set(done.map(\.unit.id)), "a done unit without its result, or the reverse")
        for r in done { #expect(results[r.unit.id]?.sum == cluster.expectedSum(r.unit)) }

        let (_, again) = try Self.start(cluster)
        let executor = PaddedSumExecutor()
        let (_, w2) = Self.worker("w2", cluster, executor)
        let summary = try again.wait(timeout: 60)
        _ = try w2.wait(timeout: 5)
        #expect(summary.finished && summary.progress.done == 40)
        #expect(executor.calls.all.count == 40 - done.count, "finished units were recomputed")
        let final = try cluster.results()
        #expect(final.count == 40)
        for u in cluster.units { #expect(final[u.id]?.sum == cluster.expectedSum(u)) }
        let a = try Self.activity(cluster)
        #expect(a.sessions.count == 2 && a.sessions[1].endReason == "finished")
        // The first session's end is written if the rollback left room, else it reads as crashed.
        #expect(a.sessions[0].endReason.map { $0.contains("full") } ?? true, "\(a.sessions[0])")
    }
}

/// Toy sums padded to 3 KB, so every result needs about one new journal page.
final class PaddedSumExecutor: UnitExecutor, @unchecked Sendable {
    let calls = Log<Int>()
    func execute(spec: [UInt8], phase: Int) throws -> [UInt8] {
        calls.append(1)
        return Toy.sum(spec) + [UInt8](repeating: 0, count: 3000)
    }
}

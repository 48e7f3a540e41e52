import Testing
@testable import Coordinator

/// Deterministic scheduler scenarios; time is the `now` argument, nothing sleeps.
/// `#require` cannot wrap a mutating call, so leases go through this.
func req<T>(_ value: T?, sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
    try #require(value, sourceLocation: sourceLocation)
}

@Suite struct SchedulerTests {
    static func units(_ n: Int) -> [WorkUnit] {
        (0..<n).map { WorkUnit(id: 100 + $0, phase: $0 % 2, spec: [UInt8(truncatingIfNeeded: $0)]) }
    }

    static func make(_ n: Int, _ config: SchedulerConfig = SchedulerConfig()) throws -> Scheduler {
        try Scheduler(units: units(n), config: config)
    }

    @Test func leasesInCanonicalOrderWithIncreasingAttempts() throws {
        var s = try Self.make(3)
        s.register(worker: "a", now: 0)
        #expect(s.lease(to: "nobody", now: 0) == nil)
        let l0 = try req(s.lease(to: "a", now: 0))
        let l1 = try req(s.lease(to: "a", now: 0))
        #expect([l0.unitID, l1.unitID] == [100, 101])
        #expect(l0.attempt == 1 && l0.phase == 0 && l1.phase == 1 && l1.spec == [1])
        #expect(l0.deadline == 600)
        #expect(s.leases(of: "a").map(\.unitID) == [100, 101])
        #expect(LeaseKey(packed: l1.id) == l1.key)
        #expect(s.complete(l0.key, now: 1) == .accepted)
        let p = s.progress(now: 1)
        #expect(p.done == 1 && p.running == 1 && p.pending == 1 && p.quarantined == 0 && !p.finished)
    }

    @Test func workerDeathMidUnitRequeuesWithBackoff() throws {
        var s = try Self.make(3)
        s.register(worker: "a", now: 0)
        s.register(worker: "b", now: 0)
        let la = try req(s.lease(to: "a", now: 0))
        _ = try req(s.lease(to: "b", now: 0))
        for t in 1...5 { s.heartbeat(worker: "b", now: Double(t)) }
        #expect(s.tick(now: 4.99).isEmpty)  // 4.99 s of silence: still alive
        let events = s.tick(now: 5)
        #expect(events == [.workerLost(worker: "a", leases: [la.key]), .requeued(la.key, retryAt: 6)])
        #expect(!s.isRegistered("a"))
        #expect(s.record(unitID: 100)?.failures == 1)
        #expect(s.record(unitID: 100)?.lastError?.contains("worker a lost") == true)
        // Backoff: before 6 s the next unit in order is 102; at 6 s unit 100 comes back as attempt 2.
        #expect(s.lease(to: "b", now: 5.5)?.unitID == 102)
        let retry = try req(s.lease(to: "b", now: 6))
        #expect(retry.key == LeaseKey(unitID: 100, attempt: 2))
    }

    @Test func lateDuplicateResultsAreIgnored() throws {
        var s = try Self.make(1)
        s.register(worker: "a", now: 0)
        s.register(worker: "b", now: 0)
        let first = try req(s.lease(to: "a", now: 0))
        s.heartbeat(worker: "b", now: 5)
        _ = s.tick(now: 5)  // a lost
        let second = try req(s.lease(to: "b", now: 6))
        #expect(second.attempt == 2)
        // a's late result for attempt 1 is a valid result: accepted, b's lease ends.
        #expect(s.complete(first.key, now: 7) == .accepted)
        #expect(s.leases(of: "b").isEmpty)
        #expect(s.complete(second.key, now: 8) == .duplicate)
        #expect(s.complete(first.key, now: 9) == .duplicate)
        #expect(s.record(unitID: 100)?.doneAttempt == 1)
        #expect(s.progress(now: 9).finished)
        #expect(s.fail(second.key, message: "late", retryable: true, now: 9) != .quarantined)
        #expect(s.record(unitID: 100)?.state == .done)
    }

    @Test func staleResults() throws {
        var s = try Self.make(2)
        s.register(worker: "a", now: 0)
        let l = try req(s.lease(to: "a", now: 0))
        guard case .stale = s.complete(LeaseKey(unitID: 999, attempt: 1), now: 0) else { Issue.record("unknown unit"); return }
        guard case .stale = s.complete(LeaseKey(unitID: l.unitID, attempt: 2), now: 0) else { Issue.record("future attempt"); return }
        guard case .stale = s.complete(LeaseKey(unitID: 101, attempt: 1), now: 0) else { Issue.record("never leased"); return }
        #expect(s.record(unitID: 100)?.state == .leased)
    }

    @Test func quarantineAfterThreeFailedAttemptsKeepsLastError() throws {
        var s = try Self.make(2)
        s.register(worker: "a", now: 0)
        var now = 0.0
        var outcomes: [FailureOutcome] = []
        for attempt in 1...3 {
            let l = try req(s.lease(to: "a", now: now))
            #expect(l.key == LeaseKey(unitID: 100, attempt: attempt))
            outcomes.append(s.fail(l.key, message: "boom \(attempt)", retryable: true, now: now))
            // Unit 101 is leased meanwhile, so it must not block; complete it right away.
            if attempt == 1, let other = s.lease(to: "a", now: now) { s.complete(other.key, now: now) }
            now += 100
        }
        #expect(outcomes == [.requeued(retryAt: 1), .requeued(retryAt: 102), .quarantined])
        let r = try #require(s.record(unitID: 100))
        #expect(r.state == .quarantined && r.failures == 3 && r.attempts == 3 && r.lastError == "boom 3")
        #expect(s.lease(to: "a", now: 1e6) == nil)
        let p = s.progress(now: now)
        #expect(p.quarantined == 1 && p.done == 1 && p.finished && s.isFinished)
        guard case .stale = s.complete(LeaseKey(unitID: 100, attempt: 3), now: now) else {
            Issue.record("a quarantined unit takes no results"); return
        }
    }

    @Test func nonRetryableErrorQuarantinesAtOnce() throws {
        var s = try Self.make(1)
        s.register(worker: "a", now: 0)
        let l = try req(s.lease(to: "a", now: 0))
        #expect(s.fail(l.key, message: "bad spec", retryable: false, now: 0) == .quarantined)
        #expect(s.record(unitID: 100)?.lastError == "bad spec")
        // A second report for the same lease changes nothing.
        guard case .ignored = s.fail(l.key, message: "again", retryable: true, now: 0) else {
            Issue.record("expected ignored"); return
        }
        #expect(s.record(unitID: 100)?.failures == 1)
    }

    @Test func backoffDoublesFromOneToThirtyTwoSeconds() throws {
        let config = SchedulerConfig(maxAttempts: 100)
        #expect((1...8).map { config.backoff(afterFailures: $0) } == [1, 2, 4, 8, 16, 32, 32, 32])
        #expect(config.backoff(afterFailures: 0) == 0)
        var s = try Self.make(1, config)
        s.register(worker: "a", now: 0)
        var now = 0.0
        for expected in [1.0, 2, 4, 8, 16, 32, 32] {
            let l = try req(s.lease(to: "a", now: now))
            #expect(s.fail(l.key, message: "x", retryable: true, now: now) == .requeued(retryAt: now + expected))
            s.heartbeat(worker: "a", now: now + expected)
            #expect(s.lease(to: "a", now: now + expected - 0.001) == nil)
            #expect(s.nextDeadline(after: now) == now + expected)
            #expect(s.nextDeadline(after: now + expected) == (now + expected) + config.workerTimeout)
            now += expected
        }
    }

    @Test func leaseTimeoutRevokesTheAttempt() throws {
        var s = try Self.make(1, SchedulerConfig(leaseTimeout: 10))
        s.register(worker: "a", now: 0)
        let l = try req(s.lease(to: "a", now: 0))
        for t in 1...10 { s.heartbeat(worker: "a", now: Double(t)) }
        #expect(s.tick(now: 9.9).isEmpty)
        #expect(s.tick(now: 10) == [.leaseExpired(l.key, worker: "a"), .requeued(l.key, retryAt: 11)])
        #expect(s.isRegistered("a") && s.leases(of: "a").isEmpty)
        #expect(s.record(unitID: 100)?.lastError?.contains("timed out") == true)
        // The slow worker's result still counts if it arrives before the retry finishes.
        #expect(s.complete(l.key, now: 12) == .accepted)
    }

    @Test func deadWorkersLeasesExhaustAttempts() throws {
        var s = try Self.make(1)
        var now = 0.0
        for i in 1...3 {
            s.register(worker: "w\(i)", now: now)
            _ = try req(s.lease(to: "w\(i)", now: now))
            now += 5
            _ = s.tick(now: now)
            now += 10
        }
        #expect(s.record(unitID: 100)?.state == .quarantined)
        #expect(s.record(unitID: 100)?.lastError?.contains("worker w3 lost") == true)
    }

    @Test func restoreFromRecordsContinuesAttempts() throws {
        let u = Self.units(3)
        let records = [
            UnitRecord(unit: u[0], state: .done, attempts: 1, doneAttempt: 1),
            UnitRecord(unit: u[1], state: .leased, attempts: 2, failures: 1, lastError: "earlier"),
            UnitRecord(unit: u[2], state: .quarantined, attempts: 3, failures: 3, lastError: "bad"),
        ]
        var s = try Scheduler(records: records)
        #expect(s.record(unitID: 101)?.state == .pending)
        let p = s.progress(now: 0)
        #expect(p.done == 1 && p.pending == 1 && p.quarantined == 1 && p.running == 0)
        // A result sent to the previous coordinator for attempt 2 is still accepted...
        #expect(s.classify(LeaseKey(unitID: 101, attempt: 2)) == .accepted)
        s.register(worker: "a", now: 0)
        let l = try req(s.lease(to: "a", now: 0))
        // ...and a new lease never reuses an attempt number.
        #expect(l.key == LeaseKey(unitID: 101, attempt: 3))
        #expect(s.lease(to: "a", now: 0) == nil)
    }

    @Test func reRegistrationReleasesLeasesWithoutPenalty() throws {
        var s = try Self.make(2)
        s.register(worker: "a", now: 0)
        let l = try req(s.lease(to: "a", now: 0))
        #expect(s.register(worker: "a", now: 1) == [l.key])
        #expect(s.record(unitID: 100)?.failures == 0)
        #expect(s.lease(to: "a", now: 1)?.key == LeaseKey(unitID: 100, attempt: 2))
        #expect(s.remove(worker: "a").map(\.unitID) == [100])
        #expect(s.lease(to: "a", now: 1) == nil)
    }

    @Test func progressRateAndETA() throws {
        var s = try Self.make(4)
        s.register(worker: "a", now: 10)
        #expect(s.progress(now: 10).etaSeconds == nil)
        let l0 = try req(s.lease(to: "a", now: 10))
        s.complete(l0.key, now: 12)
        let l1 = try req(s.lease(to: "a", now: 12))
        s.complete(l1.key, now: 14)
        let p = s.progress(now: 14)
        #expect(p.unitsPerSecond == 0.5)
        #expect(p.etaSeconds == 4)  // 2 pending at 0.5/s
    }

    @Test func duplicateIDsAreRejected() {
        #expect(throws: SchedulerError.duplicateUnitID(1)) {
            _ = try Scheduler(units: [WorkUnit(id: 1, phase: 0, spec: []), WorkUnit(id: 1, phase: 0, spec: [])])
        }
    }

    /// A long random schedule: the O(1) counters always match a recount, every unit ends terminal,
    /// and every lease is the first ready pending unit in canonical order.
    @Test func randomScheduleKeepsCountsAndOrder() throws {
        var s = try Self.make(300, SchedulerConfig(maxAttempts: 4, backoffBase: 0.5, backoffMax: 4))
        var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ n: UInt64) -> UInt64 {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            return (rng >> 33) % n
        }
        var now = 0.0
        let workers = ["a", "b", "c"]
        for w in workers { s.register(worker: w, now: now) }
        var steps = 0
        while !s.isFinished && steps < 20_000 {
            steps += 1
            now += 0.1
            for w in workers { s.heartbeat(worker: w, now: now) }
            let w = workers[Int(next(3))]
            // Brute force: the first pending unit in plan order whose backoff has ended.
            let ready = s.allRecords.first { r in r.state == .pending && (s.retryTime(unitID: r.unit.id) ?? 0) <= now }
            let lease = s.lease(to: w, now: now)
            #expect(lease?.unitID == ready?.unit.id)
            for held in s.leases(of: w) where next(4) == 0 {
                if next(5) == 0 { s.fail(held.key, message: "flaky", retryable: true, now: now) }
                else { s.complete(held.key, now: now) }
            }
            let p = s.progress(now: now)
            let states = s.allRecords.map(\.state)
            #expect(p.done == states.filter { $0 == .done }.count)
            #expect(p.pending == states.filter { $0 == .pending }.count)
            #expect(p.running == states.filter { $0 == .leased }.count)
            #expect(p.quarantined == states.filter { $0 == .quarantined }.count)
        }
        #expect(s.isFinished)
        #expect(s.allRecords.contains { $0.failures > 0 && $0.state == .done })  // retries happened
        #expect(s.allRecords.allSatisfy { $0.state == .done || ($0.state == .quarantined && $0.failures == 4) })
    }
}

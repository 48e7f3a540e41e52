// Lease scheduling, retries and worker liveness as pure logic (DESIGN §6, §7).
//
// No sockets and no clock: every call takes `now`, so tests replay worker deaths, late results and
// backoff exactly. The server owns one Scheduler on its loop thread and journals each change.

/// What became of a RESULT.
public enum CompletionOutcome: Sendable, Hashable {
    /// First result for the unit: store it, the unit is done.
    case accepted
    /// The unit is already done; this result (late or repeated) is ignored.
    case duplicate
    /// Not a result the scheduler can take (unknown unit, attempt never granted, unit quarantined).
    case stale(reason: String)
}

/// What became of a failed attempt.
public enum FailureOutcome: Sendable, Hashable {
    /// Back in the queue; may be leased again from `retryAt`.
    case requeued(retryAt: Double)
    /// Out of attempts (or not retryable): the unit keeps its last error and is never leased again.
    case quarantined
    /// The lease was no longer current (superseded, already done); nothing changed.
    case ignored(reason: String)
}

/// Changes the scheduler makes on its own when time passes (`tick`).
public enum SchedulerEvent: Sendable, Hashable {
    case workerLost(worker: String, leases: [LeaseKey])
    case leaseExpired(LeaseKey, worker: String)
    case requeued(LeaseKey, retryAt: Double)
    case quarantined(unitID: Int, error: String)
}

/// Counts and throughput for progress display. Rates count only units completed by this process.
public struct RunProgress: Sendable, Hashable {
    public var total: Int
    public var done: Int
    public var running: Int
    public var pending: Int
    public var quarantined: Int
    /// Units completed per second since this session's first lease.
    public var unitsPerSecond: Double
    /// Seconds until pending and running units are done at the current rate; nil before any completion.
    public var etaSeconds: Double?

    /// True when every unit is terminal (done or quarantined).
    public var finished: Bool { done + quarantined == total }
}

public struct Scheduler: Sendable {
    public let config: SchedulerConfig

    private struct Worker: Sendable {
        var lastSeen: Double
        var leases: Set<Int> = []  // unit indices
    }

    private var records: [UnitRecord]
    private var indexByID: [Int: Int]
    private var retryAt: [Int: Double] = [:]
    private var active: [Int: Lease] = [:]
    private var workers: [String: Worker] = [:]
    private var sessionStart: Double?
    private var sessionCompleted = 0
    /// Units per state, kept in step by `setState` so progress and `isFinished` are O(1).
    private var stateCounts: [UnitState: Int] = [:]
    /// Every index below this is not pending: leasing scans from here, not from 0, so a long run
    /// does not rescan thousands of finished units per lease.
    private var scanStart = 0

    /// Starts from journaled records (canonical order). A `leased` record means the previous
    /// coordinator died mid-lease; it is pending again without counting a failure.
    public init(records: [UnitRecord], config: SchedulerConfig = SchedulerConfig()) throws(SchedulerError) {
        var index: [Int: Int] = [:]
        for (i, record) in records.enumerated() {
            guard index.updateValue(i, forKey: record.unit.id) == nil else {
                throw .duplicateUnitID(record.unit.id)
            }
        }
        self.config = config
        self.indexByID = index
        self.records = records.map { record in
            var r = record
            if r.state == .leased { r.state = .pending }
            return r
        }
        for r in self.records { stateCounts[r.state, default: 0] += 1 }
    }

    private mutating func setState(_ i: Int, _ state: UnitState) {
        let old = records[i].state
        guard old != state else { return }
        stateCounts[old, default: 0] -= 1
        stateCounts[state, default: 0] += 1
        records[i].state = state
        if state == .pending { scanStart = min(scanStart, i) }
    }

    /// A fresh run: every unit pending.
    public init(units: [WorkUnit], config: SchedulerConfig = SchedulerConfig()) throws(SchedulerError) {
        try self.init(records: units.map { UnitRecord(unit: $0) }, config: config)
    }

    /// Adds units after the existing ones in canonical order (e.g. the main pass once calibration
    /// is merged). All ids must be new.
    public mutating func append(_ units: [WorkUnit]) throws(SchedulerError) {
        var seen = Set<Int>()
        for u in units where indexByID[u.id] != nil || !seen.insert(u.id).inserted {
            throw .duplicateUnitID(u.id)
        }
        for u in units {
            indexByID[u.id] = records.count
            records.append(UnitRecord(unit: u))
            stateCounts[.pending, default: 0] += 1
        }
    }

    // MARK: Queries

    public var unitCount: Int { records.count }

    public func record(unitID: Int) -> UnitRecord? {
        indexByID[unitID].map { records[$0] }
    }

    /// All records in canonical order.
    public var allRecords: [UnitRecord] { records }

    public var isFinished: Bool {
        (stateCounts[.done] ?? 0) + (stateCounts[.quarantined] ?? 0) == records.count
    }

    public func isRegistered(_ worker: String) -> Bool { workers[worker] != nil }

    public var registeredWorkers: [String] { workers.keys.sorted() }

    /// Current leases held by `worker`, in canonical order.
    public func leases(of worker: String) -> [Lease] {
        guard let w = workers[worker] else { return [] }
        return w.leases.sorted().compactMap { active[$0] }
    }

    /// When a requeued unit may be leased again (nil if not in backoff).
    func retryTime(unitID: Int) -> Double? {
        indexByID[unitID].flatMap { retryAt[$0] }
    }

    public func currentLease(unitID: Int) -> Lease? {
        indexByID[unitID].flatMap { active[$0] }
    }

    public func progress(now: Double) -> RunProgress {
        let counts = stateCounts
        let done = counts[.done] ?? 0, running = counts[.leased] ?? 0
        let pending = counts[.pending] ?? 0, quarantined = counts[.quarantined] ?? 0
        var rate = 0.0
        if let start = sessionStart, now > start { rate = Double(sessionCompleted) / (now - start) }
        let eta: Double? = rate > 0 ? Double(pending + running) / rate : nil
        return RunProgress(total: records.count, done: done, running: running, pending: pending,
                           quarantined: quarantined, unitsPerSecond: rate, etaSeconds: eta)
    }

    /// The earliest time after `now` at which `tick` or `lease` could change something (a backoff
    /// ending, a worker or lease deadline); the server uses it to bound its poll timeout. Past
    /// times are skipped: a backoff that ended while no worker was free must not cause a busy loop.
    public func nextDeadline(after now: Double) -> Double? {
        var next: Double? = nil
        func consider(_ t: Double) { if t > now { next = min(next ?? t, t) } }
        for (i, t) in retryAt where records[i].state == .pending { consider(t) }
        for w in workers.values { consider(w.lastSeen + config.workerTimeout) }
        for lease in active.values { consider(lease.deadline) }
        return next
    }

    // MARK: Workers

    /// Registers a worker (HELLO). A worker that registers again has restarted or reconnected and
    /// lost its connection state: its leases go back to the queue without counting a failure.
    @discardableResult
    public mutating func register(worker: String, now: Double) -> [LeaseKey] {
        let released = release(worker: worker)
        workers[worker] = Worker(lastSeen: now)
        return released
    }

    /// Any message from a worker proves it alive (Paranoid Pirate). Unknown workers are ignored.
    public mutating func heartbeat(worker: String, now: Double) {
        guard let w = workers[worker] else { return }
        workers[worker]?.lastSeen = max(w.lastSeen, now)
    }

    /// A worker left on purpose (or was rejected); its leases are requeued without penalty.
    @discardableResult
    public mutating func remove(worker: String) -> [LeaseKey] {
        let released = release(worker: worker)
        workers[worker] = nil
        return released
    }

    private mutating func release(worker: String) -> [LeaseKey] {
        guard let w = workers[worker] else { return [] }
        var keys: [LeaseKey] = []
        for i in w.leases.sorted() {
            guard let lease = active.removeValue(forKey: i) else { continue }
            keys.append(lease.key)
            setState(i, .pending)
        }
        workers[worker]?.leases = []
        return keys
    }

    // MARK: Leasing

    /// Leases the first pending unit in canonical order whose backoff has ended, or nil if none is
    /// ready or the worker is not registered. The caller decides how many leases a worker may hold.
    public mutating func lease(to worker: String, now: Double) -> Lease? {
        guard workers[worker] != nil, (stateCounts[.pending] ?? 0) > 0 else { return nil }
        var firstPending: Int? = nil
        var chosen: Int? = nil
        for i in scanStart..<records.count where records[i].state == .pending {
            if firstPending == nil { firstPending = i }
            if (retryAt[i] ?? -.infinity) <= now {
                chosen = i
                break
            }
        }
        scanStart = firstPending ?? records.count
        guard let i = chosen else { return nil }
        setState(i, .leased)
        records[i].attempts += 1
        retryAt[i] = nil
        let r = records[i]
        let lease = Lease(key: LeaseKey(unitID: r.unit.id, attempt: r.attempts), worker: worker,
                          phase: r.unit.phase, spec: r.unit.spec, grantedAt: now,
                          deadline: now + config.leaseTimeout)
        active[i] = lease
        workers[worker]?.leases.insert(i)
        if sessionStart == nil { sessionStart = now }
        return lease
    }

    // MARK: Results and failures

    /// Classifies a result without changing anything, so the server can journal an accepted result
    /// before acknowledging it and only then call `complete`.
    public func classify(_ key: LeaseKey) -> CompletionOutcome {
        guard let i = indexByID[key.unitID] else { return .stale(reason: "unknown unit \(key.unitID)") }
        let r = records[i]
        switch r.state {
        case .done: return .duplicate
        case .quarantined: return .stale(reason: "unit \(key.unitID) is quarantined")
        case .pending, .leased:
            guard key.attempt >= 1, key.attempt <= r.attempts else {
                return .stale(reason: "\(key) was never leased (attempts so far: \(r.attempts))")
            }
            // A result from an earlier attempt whose lease was revoked is still a correct result
            // (units are deterministic), so it is taken rather than recomputed.
            return .accepted
        }
    }

    /// Records a result. Accepting it ends any other outstanding lease of the unit; that lease's
    /// result will then be a `duplicate`.
    @discardableResult
    public mutating func complete(_ key: LeaseKey, now: Double) -> CompletionOutcome {
        let outcome = classify(key)
        guard outcome == .accepted, let i = indexByID[key.unitID] else { return outcome }
        if let lease = active.removeValue(forKey: i) { workers[lease.worker]?.leases.remove(i) }
        setState(i, .done)
        records[i].doneAttempt = key.attempt
        retryAt[i] = nil
        sessionCompleted += 1
        return .accepted
    }

    /// A worker reported an error for its lease. Non-retryable errors quarantine at once.
    @discardableResult
    public mutating func fail(_ key: LeaseKey, message: String, retryable: Bool, now: Double) -> FailureOutcome {
        guard let i = indexByID[key.unitID] else { return .ignored(reason: "unknown unit \(key.unitID)") }
        guard let lease = active[i], lease.key == key else {
            return .ignored(reason: "\(key) is not the current lease of unit \(key.unitID)")
        }
        return revoke(index: i, lease: lease, message: message, retryable: retryable, now: now)
    }

    private mutating func revoke(index i: Int, lease: Lease, message: String, retryable: Bool,
                                 now: Double) -> FailureOutcome {
        active[i] = nil
        workers[lease.worker]?.leases.remove(i)
        records[i].failures += 1
        records[i].lastError = message
        if !retryable || records[i].failures >= config.maxAttempts {
            setState(i, .quarantined)
            retryAt[i] = nil
            return .quarantined
        }
        setState(i, .pending)
        let at = now + config.backoff(afterFailures: records[i].failures)
        retryAt[i] = at
        return .requeued(retryAt: at)
    }

    // MARK: Time

    /// Declares silent workers dead and revokes expired leases; each revoked lease is a failed
    /// attempt (a unit that keeps killing workers must end up quarantined, not loop forever).
    public mutating func tick(now: Double) -> [SchedulerEvent] {
        var events: [SchedulerEvent] = []
        func record(_ outcome: FailureOutcome, _ lease: Lease, _ message: String) {
            switch outcome {
            case .requeued(let at): events.append(.requeued(lease.key, retryAt: at))
            case .quarantined: events.append(.quarantined(unitID: lease.unitID, error: message))
            case .ignored: break
            }
        }
        for name in workers.keys.sorted() {
            guard let w = workers[name], now >= w.lastSeen + config.workerTimeout else { continue }
            let lost = w.leases.sorted().compactMap { active[$0] }
            events.append(.workerLost(worker: name, leases: lost.map(\.key)))
            let silence = now - w.lastSeen
            for lease in lost {
                let message = "worker \(name) lost: no message for \(formatSeconds(silence)) during \(lease.key)"
                guard let i = indexByID[lease.unitID] else { continue }
                record(revoke(index: i, lease: lease, message: message, retryable: true, now: now), lease, message)
            }
            workers[name] = nil
        }
        for i in active.keys.sorted() {
            guard let lease = active[i], now >= lease.deadline else { continue }
            events.append(.leaseExpired(lease.key, worker: lease.worker))
            let message = "lease timed out after \(formatSeconds(config.leaseTimeout)) on worker \(lease.worker) (\(lease.key))"
            record(revoke(index: i, lease: lease, message: message, retryable: true, now: now), lease, message)
        }
        return events
    }
}

public enum SchedulerError: Error, Sendable, Hashable, CustomStringConvertible {
    case duplicateUnitID(Int)

    public var description: String {
        switch self {
        case .duplicateUnitID(let id): "scheduler: unit id \(id) appears more than once in the plan"
        }
    }
}

func formatSeconds(_ s: Double) -> String {
    let rounded = (s * 10).rounded() / 10
    return "\(rounded) s"
}

// The coordinator's ROUTER loop (DESIGN §6, §7), Paranoid-Pirate style (zguide ch. 4):
// HELLO registers, ASSIGN leases, HEARTBEAT both ways, RESULT is journaled then completed, ERROR
// fails the attempt, anything undecodable is counted and dropped. One thread owns the socket,
// the scheduler and the journal writes; other threads only read snapshots or ask it to stop.

import Foundation
import Protocol

public final class CoordinatorServer: @unchecked Sendable {
    public let config: CoordinatorServerConfig
    private let journal: RunJournal
    private let clock: any TimeSource
    private let context: ZMQContext
    private let onEvent: @Sendable (CoordinatorEvent) -> Void
    private let resultSink: @Sendable (JournaledResult) -> Void

    // Loop-thread state.
    private var scheduler: Scheduler
    private var socket: ZMQSocket?
    private var routingByWorker: [String: [UInt8]] = [:]
    private var workerByRouting: [[UInt8]: String] = [:]
    private var heartbeatSequence: UInt64 = 0
    /// The journal session of the current `run()` and the wall time each registered worker was last heard.
    private var session: Int?
    private var workerLastSeen: [String: Double] = [:]

    // Shared with other threads, under `lock`.
    private let lock = NSLock()
    private var stopRequested = false
    private var shutdownOnStop = false
    private var running = false
    private var countersValue = CoordinatorCounters()
    private var progressValue: RunProgress
    private var boundEndpointValue: String?
    private var addedUnits: [WorkUnit] = []

    /// Restores the scheduler from `journal` (finished units stay finished; leased ones are pending).
    /// Events and results are delivered on the loop thread; the sink sees accepted results in
    /// arrival order, each after it is durably journaled.
    public init(config: CoordinatorServerConfig, journal: RunJournal, clock: any TimeSource = MonotonicTimeSource(),
                context: ZMQContext = .shared,
                onEvent: @escaping @Sendable (CoordinatorEvent) -> Void = { _ in },
                resultSink: @escaping @Sendable (JournaledResult) -> Void = { _ in }) throws {
        let records = try journal.loadRecords()
        for r in records where !(0...255).contains(r.unit.phase) || UnitPhase(rawValue: UInt8(r.unit.phase)) == nil {
            throw CoordinatorServerError.invalidPhase(unitID: r.unit.id, phase: r.unit.phase)
        }
        self.config = config
        self.journal = journal
        self.clock = clock
        self.context = context
        self.onEvent = onEvent
        self.resultSink = resultSink
        self.scheduler = try Scheduler(records: records, config: config.scheduler)
        self.progressValue = scheduler.progress(now: clock.now)
    }

    // MARK: Thread-safe views

    public var counters: CoordinatorCounters { lock.withLock { countersValue } }
    public var progress: RunProgress { lock.withLock { progressValue } }
    /// The endpoint actually bound (resolves `tcp://127.0.0.1:0`), once `run()` is listening.
    public var boundEndpoint: String? { lock.withLock { boundEndpointValue } }

    /// Asks `run()` to return after the current iteration. With `shutdownWorkers`, registered
    /// workers are told to exit; without, they keep reconnecting so a resumed coordinator finds them.
    /// Sticky: a stop requested before `run()` starts makes it return at once.
    public func requestStop(shutdownWorkers: Bool = false) {
        lock.withLock {
            stopRequested = true
            shutdownOnStop = shutdownWorkers
        }
    }

    /// Adds units to a running (or not yet started) server, e.g. the main pass after calibration
    /// with `whenFinished: .keepServing`. They are journaled before this returns, so a crash right
    /// after still finds them; the loop thread picks them up within one poll interval.
    public func addUnits(_ units: [WorkUnit]) throws {
        for u in units where !(0...255).contains(u.phase) || UnitPhase(rawValue: UInt8(u.phase)) == nil {
            throw CoordinatorServerError.invalidPhase(unitID: u.id, phase: u.phase)
        }
        try lock.withLock {
            try journal.appendUnits(units)
            addedUnits += units
        }
    }

    // MARK: Loop

    /// Binds, serves until every unit is done or quarantined (then sends SHUTDOWN and drains) or
    /// until `requestStop`, and returns a summary. Throws on socket or journal failure.
    public func run() throws -> CoordinatorSummary {
        try lock.withLock {
            guard !running else { throw CoordinatorServerError.alreadyRunning }
            running = true
        }
        defer {
            socket?.close()
            socket = nil
            lock.withLock { running = false }
        }
        let socket: ZMQSocket
        do throws(ZMQError) {
            socket = try ZMQSocket(context: context, type: .router)
            try socket.configure(config.socketOptions)
            // Let the final SHUTDOWNs leave before close; report unroutable sends instead of dropping.
            try socket.set(.linger, 500)
            try socket.set(.routerMandatory, 1)
        } catch {
            throw CoordinatorServerError.socket(error)
        }
        do {
            try config.prepareSocket?(socket)
        } catch {
            throw CoordinatorServerError.socketSetup("\(error)")
        }
        do throws(ZMQError) {
            try socket.bind(config.endpoint)
            let bound = try socket.lastEndpoint()
            lock.withLock { boundEndpointValue = bound }
            self.socket = socket
            onEvent(.listening(endpoint: bound))
        } catch {
            throw CoordinatorServerError.socket(error)
        }
        let poller = ZMQPoller()
        poller.add(socket, events: .readable)
        let session = try journal.beginSession()
        self.session = session
        workerLastSeen = [:]
        var endReason = "stopped"
        defer {
            // Best effort: after a disk-full error this write fails too, and status shows the session as ended by a crash.
            try? journal.endSession(session, reason: endReason, counters: allCounters(), workersLastSeen: workerLastSeen)
            self.session = nil
        }
        do {
            let summary = try serve(socket, poller)
            endReason = summary.finished ? "finished" : "stopped"
            return summary
        } catch {
            endReason = "error: \(error)"
            throw error
        }
    }

    private func allCounters() -> [String: Int] {
        var named = counters.named
        if let extra = config.extraCounters?() { named.merge(extra) { $1 } }
        return named
    }

    private func flushActivity() throws {
        guard let session else { return }
        try journal.flushActivity(session: session, counters: allCounters(), workersLastSeen: workerLastSeen)
    }

    private func serve(_ socket: ZMQSocket, _ poller: ZMQPoller) throws -> CoordinatorSummary {
        var now = clock.now
        var nextFlush = now + config.activityFlushInterval
        var nextHeartbeat = now
        var nextProgress = now + config.progressInterval
        var drainUntil: Double? = nil
        var stoppedEarly = false
        var announcedFinish = false

        while true {
            let (stop, shutdown) = lock.withLock { (stopRequested, shutdownOnStop) }
            if stop {
                if shutdown { broadcastShutdown("coordinator stopped") }
                stoppedEarly = !scheduler.isFinished
                break
            }
            if let until = drainUntil, now >= until { break }

            var timeout = max(0, nextHeartbeat - now)
            if let deadline = scheduler.nextDeadline(after: now) { timeout = min(timeout, max(0, deadline - now)) }
            // Bounded so `requestStop` and the drain deadline are noticed promptly.
            let ms = Int((min(timeout, 0.05) * 1000).rounded(.up))
            let ready: [ZMQPollEvents]
            do throws(ZMQError) { ready = try poller.poll(timeoutMilliseconds: ms) } catch { throw CoordinatorServerError.socket(error) }
            if ready[0].contains(.readable) { try drain(socket, draining: drainUntil != nil) }

            now = clock.now
            let added = lock.withLock { () -> [WorkUnit] in
                defer { addedUnits.removeAll() }
                return addedUnits
            }
            if !added.isEmpty, drainUntil == nil {
                try scheduler.append(added)  // the journal already refused duplicates
                announcedFinish = false
            }
            // While draining, workers that got SHUTDOWN go quiet on purpose: no liveness, no beats.
            if drainUntil == nil {
                try handle(scheduler.tick(now: now))
                if now >= nextHeartbeat {
                    sendHeartbeats()
                    nextHeartbeat = now + config.scheduler.heartbeatInterval
                }
                try dispatch(now: now)
                publishProgress(now)
                if now >= nextFlush {
                    try flushActivity()
                    nextFlush = now + config.activityFlushInterval
                }
                if now >= nextProgress {
                    onEvent(.progress(scheduler.progress(now: now)))
                    nextProgress = now + config.progressInterval
                }
                if scheduler.isFinished && !announcedFinish {
                    announcedFinish = true
                    onEvent(.finished(scheduler.progress(now: now)))
                    if config.whenFinished == .shutdownWorkers {
                        broadcastShutdown("run finished")
                        drainUntil = now + config.drainSeconds
                    }
                }
            }
        }
        publishProgress(now)
        return CoordinatorSummary(progress: scheduler.progress(now: now), counters: counters, finished: !stoppedEarly && scheduler.isFinished)
    }

    // MARK: Receive

    private func drain(_ socket: ZMQSocket, draining: Bool) throws {
        while true {
            let next: [[UInt8]]?
            do throws(ZMQError) {
                next = try socket.tryReceive()
            } catch {
                guard case .tooManyFrames(_, let limit) = error else { throw CoordinatorServerError.socket(error) }
                dropped("frames", "message over \(limit) frames")
                continue
            }
            guard let frames = next else { return }
            count { $0.messagesReceived += 1 }
            try receive(frames, draining: draining)
        }
    }

    private func receive(_ frames: [[UInt8]], draining: Bool) throws {
        guard let routing = frames.first, !routing.isEmpty else { return }
        let message: Message
        do throws(ProtocolError) {
            message = try config.codec.decode(routed: frames).message
        } catch {
            guard case .versionMismatch(let received, let expected) = error else {
                dropped(error.metricLabel, error.description)
                return
            }
            let reason = "protocol version \(received) is not supported; this coordinator speaks \(expected)"
            count { $0.rejected += 1 }
            send(.reject(Reject(expectedVersion: expected, reason: reason)), to: routing)
            onEvent(.workerRejected(receivedVersion: received, reason: reason))
            return
        }
        if draining {
            // The run is over: whoever still talks to us is told to stop.
            if case .shutdown = message { return }
            send(.shutdown(Shutdown(reason: "run finished")), to: routing)
            return
        }
        let now = clock.now
        let worker = workerByRouting[routing]
        if let worker {
            scheduler.heartbeat(worker: worker, now: now)
            workerLastSeen[worker] = Date().timeIntervalSince1970
        } else if !message.isHello {
            count { $0.unknownPeerMessages += 1 }
        }

        switch message {
        case .hello(let hello):
            try register(hello, routing: routing, now: now)
        case .ready, .heartbeat:
            break  // liveness only, recorded above
        case .result(let result):
            try accept(result, worker: worker, now: now)
        case .error(let failure):
            let key = LeaseKey(unitID: Int(truncatingIfNeeded: failure.unitID), attempt: Int(failure.attempt))
            guard failure.leaseID == key.packed else { return dropped("lease_mismatch", "ERROR lease id \(failure.leaseID) for \(key)") }
            try fail(key, message: failure.message, retryable: failure.retryable, now: now)
        case .shutdown:
            guard let worker else { return }
            let released = scheduler.remove(worker: worker)
            try save(released.map(\.unitID))
            try journalWorker(.left, worker, detail: "sent SHUTDOWN")
            forget(worker: worker)
            onEvent(.workerLeft(worker: worker, released: released))
        case .assign, .stageData, .reject:
            dropped("unexpected_type", "\(message.type) is not sent to the coordinator")
        }
    }

    private func register(_ hello: Hello, routing: [UInt8], now: Double) throws {
        guard !hello.workerID.isEmpty else { return dropped("empty_worker_id", "HELLO with an empty worker id") }
        if let old = workerByRouting[routing], old != hello.workerID { forget(worker: old) }
        if let oldRouting = routingByWorker[hello.workerID], oldRouting != routing { workerByRouting[oldRouting] = nil }
        routingByWorker[hello.workerID] = routing
        workerByRouting[routing] = hello.workerID
        // A re-HELLO means the worker lost its connection state; its leases go back without penalty.
        let released = scheduler.register(worker: hello.workerID, now: now)
        try save(released.map(\.unitID))
        workerLastSeen[hello.workerID] = Date().timeIntervalSince1970
        try journalWorker(.joined, hello.workerID, detail: released.isEmpty ? nil : "re-HELLO released \(released.count) leases")
        onEvent(.workerJoined(worker: hello.workerID, hello: hello))
        send(.heartbeat(Heartbeat(sequence: heartbeatSequence)), to: routing)
    }

    private func accept(_ result: UnitResult, worker: String?, now: Double) throws {
        let key = LeaseKey(unitID: Int(truncatingIfNeeded: result.unitID), attempt: Int(result.attempt))
        guard result.leaseID == key.packed else {
            return dropped("lease_mismatch", "RESULT lease id \(result.leaseID) for \(key)")
        }
        guard result.blobs.count == 1 else {
            // A worker bug, not bad luck: do not retry forever.
            return try fail(key, message: "RESULT carried \(result.blobs.count) blobs, expected 1", retryable: false, now: now)
        }
        var outcome = scheduler.classify(key)
        if outcome == .accepted {
            // Durable before anything else learns of it (DESIGN §7).
            if try journal.commitResult(key, blob: result.blobs[0], worker: worker, session: session) {
                scheduler.complete(key, now: now)
            } else {
                outcome = .duplicate
            }
        }
        switch outcome {
        case .accepted:
            count { $0.resultsAccepted += 1 }
            let unit = scheduler.record(unitID: key.unitID)!.unit
            resultSink(JournaledResult(unit: unit, attempt: key.attempt, blob: result.blobs[0]))
            onEvent(.resultAccepted(key, worker: worker, bytes: result.blobs[0].count))
        case .duplicate:
            count { $0.duplicateResults += 1 }
            onEvent(.resultIgnored(key, outcome: outcome))
        case .stale:
            count { $0.staleResults += 1 }
            onEvent(.resultIgnored(key, outcome: outcome))
        }
    }

    private func fail(_ key: LeaseKey, message: String, retryable: Bool, now: Double) throws {
        let outcome = scheduler.fail(key, message: message, retryable: retryable, now: now)
        if case .ignored = outcome {} else {
            count { $0.unitFailures += 1 }
            try save([key.unitID])
        }
        onEvent(.unitFailed(key, message: message, outcome: outcome))
        if outcome == .quarantined { onEvent(.quarantined(unitID: key.unitID, error: message)) }
    }

    // MARK: Time-driven

    private func handle(_ events: [SchedulerEvent]) throws {
        for event in events {
            switch event {
            case let .workerLost(worker, leases):
                count { $0.workersLost += 1 }
                try journalWorker(.lost, worker, detail: "silent for the liveness timeout; \(leases.count) leases re-queued")
                forget(worker: worker)
                onEvent(.workerLost(worker: worker, leases: leases))
            case let .leaseExpired(key, worker):
                count { $0.leasesExpired += 1 }
                onEvent(.leaseExpired(key, worker: worker))
            case let .requeued(key, _):
                try save([key.unitID])
            case let .quarantined(unitID, error):
                try save([unitID])
                onEvent(.quarantined(unitID: unitID, error: error))
            }
        }
    }

    private func dispatch(now: Double) throws {
        for worker in scheduler.registeredWorkers {
            guard let routing = routingByWorker[worker] else { continue }
            while scheduler.leases(of: worker).count < config.prefetch, let lease = scheduler.lease(to: worker, now: now) {
                // Journal the attempt number first: a result for it must always be recognisable.
                try save([lease.unitID])
                let described = config.describe?(scheduler.record(unitID: lease.unitID)!.unit) ?? (sampleIDs: [], layers: [])
                let assign = Assign(unitID: UInt64(truncatingIfNeeded: lease.unitID), attempt: UInt32(lease.attempt),
                                    leaseID: lease.id, runID: config.runID,
                                    phase: UnitPhase(rawValue: UInt8(lease.phase))!,
                                    sampleIDs: described.sampleIDs, layers: described.layers, spec: lease.spec)
                if send(.assign(assign), to: routing) {
                    count { $0.assignsSent += 1 }
                    onEvent(.assigned(lease.key, worker: worker))
                } else {
                    // The peer is gone; take its leases back without penalty and wait for a new HELLO.
                    let released = scheduler.remove(worker: worker)
                    try save(released.map(\.unitID))
                    try journalWorker(.left, worker, detail: "unreachable (send failed)")
                    forget(worker: worker)
                    onEvent(.workerLeft(worker: worker, released: released))
                    break
                }
            }
        }
    }

    private func sendHeartbeats() {
        heartbeatSequence &+= 1
        for worker in scheduler.registeredWorkers {
            guard let routing = routingByWorker[worker] else { continue }
            send(.heartbeat(Heartbeat(sequence: heartbeatSequence)), to: routing)
        }
    }

    private func broadcastShutdown(_ reason: String) {
        for worker in scheduler.registeredWorkers {
            guard let routing = routingByWorker[worker] else { continue }
            send(.shutdown(Shutdown(reason: reason)), to: routing)
        }
    }

    // MARK: Helpers

    @discardableResult
    private func send(_ message: Message, to routing: [UInt8]) -> Bool {
        guard let socket else { return false }
        do {
            let frames = try config.codec.encode(message, to: routing)
            if try socket.trySend(frames) { return true }
        } catch {}
        count { $0.sendFailures += 1 }
        return false
    }

    private func save(_ unitIDs: [Int]) throws {
        for id in unitIDs {
            if let record = scheduler.record(unitID: id) { try journal.save(record) }
        }
    }

    private func forget(worker: String) {
        if let routing = routingByWorker.removeValue(forKey: worker) { workerByRouting[routing] = nil }
        workerLastSeen[worker] = nil
    }

    private func journalWorker(_ kind: WorkerEventKind, _ worker: String, detail: String?) throws {
        guard let session else { return }
        try journal.recordWorker(kind, worker: worker, session: session, detail: detail, lastSeen: workerLastSeen[worker])
    }

    private func dropped(_ reason: String, _ detail: String) {
        count {
            $0.malformed += 1
            $0.malformedByReason[reason, default: 0] += 1
        }
        onEvent(.malformed(reason: reason, detail: detail))
    }

    private func count(_ body: (inout CoordinatorCounters) -> Void) {
        lock.withLock { body(&countersValue) }
    }

    private func publishProgress(_ now: Double) {
        let p = scheduler.progress(now: now)
        lock.withLock { progressValue = p }
    }
}

private extension Message {
    var isHello: Bool { if case .hello = self { true } else { false } }
}

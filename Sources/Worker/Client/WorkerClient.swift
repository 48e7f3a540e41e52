// A worker's side of the coordinator protocol (DESIGN §6), Paranoid-Pirate style (zguide ch. 4):
// DEALER connect, HELLO, run ASSIGNed units on the executor thread while HEARTBEATs continue,
// RESULT/ERROR back; when the coordinator falls silent, reconnect with backoff 1 → 32 s and
// HELLO again (a restarted coordinator knows nobody until then).

import Foundation
import Protocol

public final class WorkerClient: @unchecked Sendable {
    public let config: WorkerClientConfig
    private let context: ZMQContext
    private let onEvent: @Sendable (WorkerEvent) -> Void
    private let executor: any UnitExecutor
    /// Made fresh by each `run()`: a stopped runner's thread is gone for good.
    private var runner: UnitRunner
    /// Our parent when the client was made; a later getppid() change means it died.
    private let initialParent = getppid()

    private let lock = NSLock()
    private var stopRequested = false
    private var announceStop = true
    private var running = false

    private var socket: ZMQSocket?
    private var heartbeatSequence: UInt64 = 0
    /// Outcomes not yet handed to a socket (e.g. finished while disconnected).
    private var outbox: [RunnerOutcome] = []
    /// Outcomes sent lately, with their send time. There is no ACK, so when the coordinator is
    /// lost these are sent again after the re-HELLO: one may have died in a closed socket's
    /// queue, and a repeat costs nothing (results are idempotent by unit and attempt).
    private var recentlySent: [(time: Double, outcome: RunnerOutcome)] = []

    public init(config: WorkerClientConfig, executor: any UnitExecutor, context: ZMQContext = .shared,
                onEvent: @escaping @Sendable (WorkerEvent) -> Void = { _ in }) {
        self.config = config
        self.context = context
        self.onEvent = onEvent
        self.executor = executor
        self.runner = UnitRunner(executor: executor)
    }

    /// Makes `run()` return `.stopped` within a poll interval. With `announce`, the coordinator is
    /// told (SHUTDOWN) so it requeues our leases at once; without, we just vanish, as a crash would.
    /// Sticky: a stop requested before `run()` starts makes it return at once.
    public func requestStop(announce: Bool = true) {
        lock.withLock {
            stopRequested = true
            announceStop = announce
        }
    }

    /// Serves until SHUTDOWN, REJECT, parent exit or `requestStop`. Throws only on local socket
    /// failures (bad endpoint syntax, context terminated).
    public func run() throws -> WorkerExit {
        try lock.withLock {
            guard !running else { throw ZMQError.invalidArgument(operation: "WorkerClient.run", detail: "already running") }
            running = true
        }
        runner = UnitRunner(executor: executor)
        runner.start()
        defer {
            runner.stop()
            socket?.close()
            socket = nil
            lock.withLock { running = false }
        }
        var reconnects = 0
        while true {
            let exit = try session(connectAttempt: reconnects + 1)
            if let exit {
                onEvent(.exiting(exit))
                return exit
            }
            // The coordinator went silent: back off, then start a fresh connection. A connection
            // that worked resets the backoff to its base.
            if heardSinceConnect { reconnects = 0 }
            reconnects += 1
            let delay = config.reconnectDelay(attempt: reconnects)
            onEvent(.reconnecting(delaySeconds: delay))
            if let exit = pause(delay) {
                onEvent(.exiting(exit))
                return exit
            }
        }
    }

    private var heardSinceConnect = false

    /// One connection's lifetime. Returns an exit reason, or nil when the coordinator was lost.
    private func session(connectAttempt: Int) throws -> WorkerExit? {
        socket?.close()
        let socket = try ZMQSocket(context: context, type: .dealer)
        try socket.configure(config.socketOptions)
        try socket.set(.linger, 200)  // let a final RESULT or SHUTDOWN leave before close
        try config.prepareSocket?(socket)
        onEvent(.connecting(endpoint: config.endpoint, attempt: connectAttempt))
        try socket.connect(config.endpoint)
        self.socket = socket
        heardSinceConnect = false
        // Units queued for the previous coordinator process belong to someone else by now.
        if connectAttempt > 1 { runner.discardQueued() }
        send(.hello(config.hello))

        let poller = ZMQPoller()
        poller.add(socket, events: .readable)
        let silence = config.heartbeatInterval * Double(config.liveness)
        var lastHeard = monotonicSeconds()
        var nextHeartbeat = lastHeard + config.heartbeatInterval

        while true {
            if let exit = checkStopAndParent() { return exit }
            let ms = Int((min(max(0, nextHeartbeat - monotonicSeconds()), 0.02) * 1000).rounded(.up))
            let ready = try poller.poll(timeoutMilliseconds: ms)
            if ready[0].contains(.readable) {
                while let frames = try receiveOne(socket) {
                    lastHeard = monotonicSeconds()
                    heardSinceConnect = true
                    if let exit = handle(frames) { return exit }
                }
            }
            outbox += runner.takeOutcomes()
            // Only into a connection that has proven alive, so nothing sits in a dead pipe.
            if heardSinceConnect { flushOutbox() }
            let now = monotonicSeconds()
            if now >= nextHeartbeat {
                heartbeatSequence &+= 1
                send(.heartbeat(Heartbeat(sequence: heartbeatSequence)))
                nextHeartbeat = now + config.heartbeatInterval
            }
            if now - lastHeard >= silence {
                onEvent(.coordinatorLost(silentSeconds: now - lastHeard))
                socket.close()
                self.socket = nil
                outbox = recentlySent.map(\.outcome) + outbox
                recentlySent.removeAll()
                return nil
            }
        }
    }

    /// The next queued message, or nil; an over-long message is reported and skipped.
    private func receiveOne(_ socket: ZMQSocket) throws(ZMQError) -> [[UInt8]]? {
        while true {
            do throws(ZMQError) {
                return try socket.tryReceive()
            } catch {
                guard case .tooManyFrames(_, let limit) = error else { throw error }
                onEvent(.malformed(reason: "frames", detail: "message over \(limit) frames"))
            }
        }
    }

    /// Handles one message; returns an exit reason when the coordinator tells us to go.
    private func handle(_ frames: [[UInt8]]) -> WorkerExit? {
        let message: Message
        do throws(ProtocolError) {
            message = try config.codec.decode(frames: frames)
        } catch {
            onEvent(.malformed(reason: error.metricLabel, detail: error.description))
            return nil
        }
        switch message {
        case .assign(let assign):
            if runner.enqueue(assign) { onEvent(.assigned(unitID: assign.unitID, attempt: assign.attempt)) }
        case .heartbeat:
            break
        case .shutdown(let s):
            return .shutdown(reason: s.reason)
        case .reject(let r):
            return .rejected(reason: r.reason)
        case .hello, .ready, .stageData, .result, .error:
            onEvent(.malformed(reason: "unexpected_type", detail: "\(message.type) is not sent to a worker"))
        }
        return nil
    }

    private func flushOutbox() {
        let now = monotonicSeconds()
        let window = config.heartbeatInterval * Double(2 * config.liveness)  // > silence limit + a beat
        recentlySent.removeAll { now - $0.time > window }
        guard socket != nil, !outbox.isEmpty else { return }
        var unsent: [RunnerOutcome] = []
        for outcome in outbox {
            let sent: Bool
            switch outcome {
            case let .result(a, blob):
                sent = send(.result(UnitResult(unitID: a.unitID, attempt: a.attempt, leaseID: a.leaseID, blobs: [blob])))
                if sent { onEvent(.completed(unitID: a.unitID, attempt: a.attempt, bytes: blob.count)) }
            case let .failure(a, message, retryable):
                sent = send(.error(UnitFailure(unitID: a.unitID, attempt: a.attempt, leaseID: a.leaseID,
                                               message: message, retryable: retryable)))
                if sent { onEvent(.failed(unitID: a.unitID, attempt: a.attempt, message: message, retryable: retryable)) }
            }
            if sent { recentlySent.append((now, outcome)) } else { unsent.append(outcome) }
        }
        outbox = unsent
    }

    @discardableResult
    private func send(_ message: Message) -> Bool {
        guard let socket else { return false }
        do {
            return try socket.trySend(try config.codec.encode(message))
        } catch {
            onEvent(.malformed(reason: "send", detail: "\(error)"))
            return false
        }
    }

    private func checkStopAndParent() -> WorkerExit? {
        let (stop, announce) = lock.withLock { (stopRequested, announceStop) }
        if stop {
            if announce { send(.shutdown(Shutdown(reason: "worker \(config.workerID) stopping"))) }
            else { socket?.set(linger: 0) }
            return .stopped
        }
        if let pid = config.parentPID, !Self.isAlive(pid, initialParent: initialParent) {
            send(.shutdown(Shutdown(reason: "worker \(config.workerID): parent \(pid) exited")))
            return .parentExited(pid: pid)
        }
        return nil
    }

    /// Sleeps `seconds` in small steps so stop and parent exit are still noticed.
    private func pause(_ seconds: Double) -> WorkerExit? {
        let end = monotonicSeconds() + seconds
        while true {
            if let exit = checkStopAndParent() { return exit }
            let left = end - monotonicSeconds()
            if left <= 0 { return nil }
            usleep(UInt32(min(left, 0.02) * 1_000_000))
        }
    }

    /// True while `pid` exists and has not been replaced as our parent by init (reparenting is how
    /// a dead parent shows up for a child even before the zombie is reaped).
    static func isAlive(_ pid: Int32, initialParent: Int32) -> Bool {
        if kill(pid, 0) != 0 && errno == ESRCH { return false }
        if initialParent == pid && getppid() != pid { return false }
        return true
    }
}

extension ZMQSocket {
    /// Best-effort linger change on the way out (errors are irrelevant then).
    func set(linger ms: Int32) {
        try? set(.linger, ms)
    }
}

/// Monotonic seconds (unaffected by wall-clock changes).
func monotonicSeconds() -> Double {
    Double(DispatchTime.now().uptimeNanoseconds) * 1e-9
}

import Foundation
import Protocol
import Testing
@testable import Worker

/// A scripted coordinator: a bare ROUTER the test drives message by message.
final class FakeCoordinator {
    let socket: ZMQSocket
    var peer: [UInt8]?
    private var sequence: UInt64 = 0
    private var nextBeat = 0.0

    init(_ endpoint: String) throws {
        socket = try ZMQSocket(type: .router)
        try socket.configure(Timing.socketOptions)
        try socket.bind(endpoint)
    }

    deinit { socket.close() }

    func send(_ message: Message) throws {
        try socket.send(try MessageCodec.standard.encode(message, to: #require(peer)))
    }

    /// The next message satisfying `match` (others are skipped), heartbeating the peer meanwhile so
    /// the worker does not think we are gone, unless `silent`.
    func next(timeout: Double = 5, silent: Bool = false, _ match: (Message) -> Bool = { _ in true }) throws -> Message {
        let end = monotonicSeconds() + timeout
        while monotonicSeconds() < end {
            if !silent, peer != nil, monotonicSeconds() >= nextBeat {
                sequence += 1
                try send(.heartbeat(Heartbeat(sequence: sequence)))
                nextBeat = monotonicSeconds() + Timing.heartbeat
            }
            guard let frames = try socket.receive(timeoutMilliseconds: 10) else { continue }
            let (routing, message) = try MessageCodec.standard.decode(routed: frames)
            // Like the real coordinator, only a peer that said HELLO is known (and heartbeated): the
            // worker's old DEALER reconnects to a restarted ROUTER on its own but must HELLO again.
            if case .hello = message { peer = routing }
            if match(message) { return message }
        }
        throw TimedOut(what: "a matching message")
    }

    /// Heartbeats the peer for `seconds`, ignoring what arrives.
    func pump(_ seconds: Double) throws {
        do { _ = try next(timeout: seconds) { _ in false } } catch is TimedOut {}
    }

    func hello(timeout: Double = 5) throws -> Hello {
        guard case .hello(let h) = try next(timeout: timeout, { if case .hello = $0 { true } else { false } }) else { fatalError() }
        return h
    }
}

func assign(unit: UInt64, attempt: UInt32 = 1, _ values: [Int32]) -> Message {
    .assign(Assign(unitID: unit, attempt: attempt, leaseID: unit << 24 | UInt64(attempt), runID: "test",
                   phase: .main, sampleIDs: ["s\(unit)"], layers: [0], spec: Toy.spec(values)))
}

@Suite(.serialized) struct WorkerClientTests {
    @Test func helloAssignResultShutdown() throws {
        let dir = TemporaryDirectory()
        let fake = try FakeCoordinator(dir.endpoint)
        let executor = SumExecutor()
        let client = WorkerClient(config: Timing.worker("w1", dir.endpoint), executor: executor)
        let run = Background("worker") { try client.run() }
        let hello = try fake.hello()
        #expect(hello.workerID == "w1" && hello.cores == 2 && hello.memoryBytes == 1 << 30)
        try fake.send(assign(unit: 7, [1, 2, 3, 40]))
        let reply = try fake.next { if case .result = $0 { true } else { false } }
        guard case .result(let r) = reply else { return }
        #expect(r.unitID == 7 && r.attempt == 1 && r.leaseID == 7 << 24 | 1)
        #expect(r.blobs.count == 1 && Toy.decode(r.blobs[0]) == 46)
        try fake.send(.shutdown(Shutdown(reason: "run finished")))
        #expect(try run.wait(timeout: 5) == .shutdown(reason: "run finished"))
        #expect(executor.calls.all == [[1, 2, 3, 40]])
    }

    @Test func heartbeatsContinueDuringALongUnit() throws {
        let dir = TemporaryDirectory()
        let fake = try FakeCoordinator(dir.endpoint)
        let client = WorkerClient(config: Timing.worker("w1", dir.endpoint), executor: SumExecutor(delay: 0.6))
        let run = Background("worker") { try client.run() }
        _ = try fake.hello()
        try fake.send(assign(unit: 1, [5]))
        var beats = 0
        let result = try fake.next { message in
            if case .heartbeat = message { beats += 1 }
            if case .result = message { return true }
            return false
        }
        guard case .result(let r) = result else { return }
        #expect(Toy.decode(r.blobs[0]) == 5)
        // 0.6 s of work at one beat per 50 ms: the network thread never stalled on the unit.
        #expect(beats >= 6, "only \(beats) heartbeats during a 0.6 s unit")
        try fake.send(.shutdown(Shutdown(reason: "done")))
        _ = try run.wait(timeout: 5)
    }

    @Test func executorErrorsAreReportedWithTheirRetryDecision() throws {
        let dir = TemporaryDirectory()
        let fake = try FakeCoordinator(dir.endpoint)
        let client = WorkerClient(config: Timing.worker("w1", dir.endpoint), executor: SumExecutor())
        let run = Background("worker") { try client.run() }
        _ = try fake.hello()
        try fake.send(assign(unit: 3, attempt: 2, [-5, 1]))
        guard case .error(let e) = try fake.next({ if case .error = $0 { true } else { false } }) else { return }
        #expect(e.unitID == 3 && e.attempt == 2 && !e.retryable && e.message == "negative input -5")
        // Garbage from the coordinator side is ignored; the worker still serves.
        try fake.socket.send([fake.peer!, [0xde, 0xad]])
        try fake.send(assign(unit: 4, [2, 2]))
        guard case .result(let r) = try fake.next({ if case .result = $0 { true } else { false } }) else { return }
        #expect(Toy.decode(r.blobs[0]) == 4)
        client.requestStop()
        guard case .shutdown = try fake.next({ if case .shutdown = $0 { true } else { false } }) else { return }
        #expect(try run.wait(timeout: 5) == .stopped)
    }

    @Test func reconnectsAndHellosAgainAfterCoordinatorRestart() throws {
        let dir = TemporaryDirectory()
        let events = Log<WorkerEvent>()
        var fake: FakeCoordinator? = try FakeCoordinator(dir.endpoint)
        let client = WorkerClient(config: Timing.worker("w1", dir.endpoint), executor: SumExecutor(),
                                  onEvent: { events.append($0) })
        let run = Background("worker") { try client.run() }
        _ = try fake!.hello()
        try fake!.pump(0.3)  // longer than the worker's 250 ms silence limit: heartbeats keep it connected
        #expect(!events.all.contains { if case .coordinatorLost = $0 { true } else { false } })
        fake = nil  // coordinator dies
        let restarted = try FakeCoordinator(dir.endpoint)
        let start = monotonicSeconds()
        let again = try restarted.hello(timeout: 3)
        #expect(again.workerID == "w1")
        #expect(monotonicSeconds() - start < 2)
        #expect(events.all.contains { if case .coordinatorLost = $0 { true } else { false } })
        #expect(events.all.contains(.reconnecting(delaySeconds: 0.05)))
        try restarted.send(assign(unit: 9, [9]))
        guard case .result(let r) = try restarted.next({ if case .result = $0 { true } else { false } }) else { return }
        #expect(Toy.decode(r.blobs[0]) == 9)
        try restarted.send(.shutdown(Shutdown(reason: "bye")))
        _ = try run.wait(timeout: 5)
    }

    @Test func lastResultIsSentAgainAfterReconnect() throws {
        let dir = TemporaryDirectory()
        var fake: FakeCoordinator? = try FakeCoordinator(dir.endpoint)
        let executor = SumExecutor()
        let client = WorkerClient(config: Timing.worker("w1", dir.endpoint), executor: executor)
        let run = Background("worker") { try client.run() }
        _ = try fake!.hello()
        try fake!.send(assign(unit: 5, [2, 3]))
        guard case .result = try fake!.next({ if case .result = $0 { true } else { false } }) else { return }
        fake = nil  // crashes right after receiving it: the result may never have been journaled
        let restarted = try FakeCoordinator(dir.endpoint)
        _ = try restarted.hello(timeout: 3)
        guard case .result(let again) = try restarted.next(timeout: 2, { if case .result = $0 { true } else { false } }) else { return }
        #expect(again.unitID == 5 && Toy.decode(again.blobs[0]) == 5)
        #expect(executor.calls.all.count == 1)  // sent again, not recomputed
        try restarted.send(.shutdown(Shutdown(reason: "bye")))
        _ = try run.wait(timeout: 5)
    }

    @Test func rejectEndsTheWorker() throws {
        let dir = TemporaryDirectory()
        let fake = try FakeCoordinator(dir.endpoint)
        let client = WorkerClient(config: Timing.worker("w1", dir.endpoint), executor: SumExecutor())
        let run = Background("worker") { try client.run() }
        _ = try fake.hello()
        try fake.send(.reject(Reject(reason: "too old")))
        #expect(try run.wait(timeout: 5) == .rejected(reason: "too old"))
    }

    @Test func exitsWhenTheWatchedParentDies() throws {
        let dir = TemporaryDirectory()
        let fake = try FakeCoordinator(dir.endpoint)
        let parent = Process()
        parent.executableURL = URL(fileURLWithPath: "/bin/sleep")
        parent.arguments = ["30"]
        try parent.run()
        let pid = parent.processIdentifier
        let client = WorkerClient(config: Timing.worker("w1", dir.endpoint, parentPID: pid), executor: SumExecutor())
        let run = Background("worker") { try client.run() }
        _ = try fake.hello()
        #expect(!run.isDone)
        kill(pid, SIGKILL)  // SIGTERM may be masked in the test runner's children
        parent.waitUntilExit()
        #expect(try run.wait(timeout: 5) == .parentExited(pid: pid))
        guard case .shutdown(let s) = try fake.next({ if case .shutdown = $0 { true } else { false } }) else { return }
        #expect(s.reason.contains("parent \(pid) exited"))
    }

    @Test func reconnectDelayDoublesToItsCap() {
        let c = WorkerClientConfig(endpoint: "ipc:///x", workerID: "w")
        #expect((1...8).map { c.reconnectDelay(attempt: $0) } == [1, 2, 4, 8, 16, 32, 32, 32])
    }
}

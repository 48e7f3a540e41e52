import Foundation
import Testing
@testable import Protocol

/// A fresh temporary directory for `ipc://` endpoints (socket paths must be short, so under /tmp).
func temporaryDirectory() throws -> String {
    let dir = "/tmp/ks-zmq-" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func milliseconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
}

@Suite("ZMQ sockets")
struct ZMQSocketTests {
    let context: ZMQContext
    init() throws { context = try ZMQContext() }

    func echo(bind endpoint: String) throws {
        let router = try ZMQSocket(context: context, type: .router)
        try router.configure(ZMQSocketOptions(linger: 0, receiveTimeout: 2000, routerMandatory: true))
        try router.bind(endpoint)
        let bound = try router.lastEndpoint()
        let dealer = try ZMQSocket(context: context, type: .dealer)
        try dealer.configure(ZMQSocketOptions(linger: 0, receiveTimeout: 2000, routingID: Array("worker-1".utf8)))
        try dealer.connect(bound)

        let big = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let message: [[UInt8]] = [Array("hdr".utf8), [], big, [0]]
        try dealer.send(message)
        let got = try router.receive()
        #expect(got.first == Array("worker-1".utf8))
        #expect(Array(got.dropFirst()) == message)
        try router.send(got)                 // echo back through the routing id
        #expect(try dealer.receive() == message)
        #expect(try dealer.routingID() == Array("worker-1".utf8))
    }

    @Test("ROUTER/DEALER multipart echo with routing ids over tcp (port 0)")
    func echoTCP() throws {
        try echo(bind: "tcp://127.0.0.1:0")
    }

    @Test("ROUTER/DEALER multipart echo over IPv6 loopback (tcp://[::1])")
    func echoIPv6() throws {
        try echo(bind: "tcp://[::1]:0")
    }

    @Test("ROUTER/DEALER multipart echo over ipc in a temp dir")
    func echoIPC() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try echo(bind: "ipc://\(dir)/coordinator.sock")
    }

    @Test("last_endpoint reports the kernel-chosen port")
    func lastEndpoint() throws {
        let s = try ZMQSocket(context: context, type: .pull)
        try s.bind("tcp://127.0.0.1:0")
        let ep = try s.lastEndpoint()
        #expect(ep.hasPrefix("tcp://127.0.0.1:"))
        #expect((Int(ep.split(separator: ":").last ?? "") ?? 0) > 0)
        try s.unbind(ep)
    }

    @Test("poller: timeout with nothing ready, then the right socket ready")
    func poller() throws {
        let a = try ZMQSocket(context: context, type: .pull), b = try ZMQSocket(context: context, type: .pull)
        try a.bind("inproc://poll-a"); try b.bind("inproc://poll-b")
        let push = try ZMQSocket(context: context, type: .push)
        try push.set(.linger, 0)
        try push.connect("inproc://poll-b")
        let poller = ZMQPoller()
        #expect(poller.add(a) == 0)
        #expect(poller.add(b) == 1)
        let t0 = DispatchTime.now()
        #expect(try poller.poll(timeoutMilliseconds: 60) == [[], []])
        let waited = milliseconds(since: t0)
        #expect(waited >= 55 && waited < 1000)
        #expect(try poller.poll(timeoutMilliseconds: 0) == [[], []])
        try push.send([[7]])
        #expect(try poller.poll(timeoutMilliseconds: 1000) == [[], .readable])
        #expect(try b.tryReceive() == [[7]])
        #expect(try a.tryReceive() == nil)
        #expect(try a.receive(timeoutMilliseconds: 20) == nil)
    }

    @Test("PUSH/PULL delivers in order; blocking receive honours RCVTIMEO")
    func pushPull() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pull = try ZMQSocket(context: context, type: .pull)
        try pull.configure(ZMQSocketOptions(linger: 0, receiveTimeout: 50))
        try pull.bind("ipc://\(dir)/stage.sock")
        let push = try ZMQSocket(context: context, type: .push)
        try push.set(.linger, 0)
        try push.connect("ipc://\(dir)/stage.sock")
        for i in 0..<200 { try push.send([withUnsafeBytes(of: UInt32(i).littleEndian) { Array($0) }, [UInt8(i % 256)]]) }
        for i in 0..<200 {
            let m = try pull.receive()
            #expect(m == [withUnsafeBytes(of: UInt32(i).littleEndian) { Array($0) }, [UInt8(i % 256)]])
        }
        #expect(throws: ZMQError.timedOut(operation: "receive", endpoint: "ipc://\(dir)/stage.sock")) { try pull.receive() }
    }

    @Test("HWM: inproc queue holds exactly SNDHWM + RCVHWM, then trySend says false")
    func highWaterMark() throws {
        let pull = try ZMQSocket(context: context, type: .pull)
        try pull.set(.receiveHighWaterMark, 7)
        try pull.bind("inproc://hwm")
        let push = try ZMQSocket(context: context, type: .push)
        try push.configure(ZMQSocketOptions(linger: 0, sendHighWaterMark: 5, sendTimeout: 30))
        try push.connect("inproc://hwm")
        var queued = 0
        while try push.trySend([[1, 2, 3]]) { queued += 1; if queued > 1000 { break } }
        #expect(queued == 12)
        // A blocking send now runs into SNDTIMEO instead of hanging.
        #expect(throws: ZMQError.timedOut(operation: "send", endpoint: "inproc://hwm")) { try push.send([[9]]) }
        // Credit returns once the reader drains the queue (libzmq sends it in low-water-mark batches).
        for _ in 0..<queued { #expect(try pull.receive() == [[1, 2, 3]]) }
        #expect(try push.trySend([[4]]))
        #expect(try pull.receive() == [[4]])
    }

    @Test("HWM over ipc: a reader that stops reading eventually stops the writer")
    func highWaterMarkIPC() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pull = try ZMQSocket(context: context, type: .pull)
        try pull.configure(ZMQSocketOptions(linger: 0, receiveHighWaterMark: 4))
        try pull.bind("ipc://\(dir)/hwm.sock")
        let push = try ZMQSocket(context: context, type: .push)
        try push.configure(ZMQSocketOptions(linger: 0, sendHighWaterMark: 4, sendTimeout: 2000))
        try push.connect("ipc://\(dir)/hwm.sock")
        let frame = [UInt8](repeating: 7, count: 64 << 10)
        try push.send([frame])   // blocks until the connection is up
        var queued = 1
        let t0 = DispatchTime.now()
        // Kernel socket buffers add some slack beyond the 4 + 4 messages, but the writer must stop:
        // trySend keeps failing once the reader's queue, the socket buffers and the writer's queue are full.
        var failuresInARow = 0
        while failuresInARow < 10 && milliseconds(since: t0) < 3000 {
            if try push.trySend([frame]) { queued += 1; failuresInARow = 0 } else { failuresInARow += 1; Thread.sleep(forTimeInterval: 0.02) }
        }
        #expect(failuresInARow == 10)
        #expect(queued >= 8 && queued < 400, "queued \(queued)")
        for _ in 0..<queued { #expect(try pull.receive(timeoutMilliseconds: 2000)?.first?.count == frame.count) }
    }

    @Test("a frame over MAXMSGSIZE never reaches the application")
    func maxMessageSize() throws {
        let pull = try ZMQSocket(context: context, type: .pull)
        try pull.configure(ZMQSocketOptions(linger: 0, maxMessageSize: 1000))
        try pull.bind("tcp://127.0.0.1:0")
        let ep = try pull.lastEndpoint()
        let big = try ZMQSocket(context: context, type: .push)
        try big.set(.linger, 0)
        try big.connect(ep)
        try big.send([[UInt8](repeating: 1, count: 5000)])
        #expect(try pull.receive(timeoutMilliseconds: 300) == nil)
        let small = try ZMQSocket(context: context, type: .push)
        try small.set(.linger, 0)
        try small.connect(ep)
        try small.send([[UInt8](repeating: 2, count: 1000)])
        #expect(try pull.receive(timeoutMilliseconds: 2000) == [[UInt8](repeating: 2, count: 1000)])
    }

    @Test("version mismatch end to end: the ROUTER answers REJECT, the worker understands it")
    func rejectFlow() throws {
        let router = try ZMQSocket(context: context, type: .router)
        try router.configure(ZMQSocketOptions(linger: 0, receiveTimeout: 2000))
        try router.bind("tcp://127.0.0.1:0")
        let worker = try ZMQSocket(context: context, type: .dealer)
        try worker.configure(ZMQSocketOptions(linger: 0, receiveTimeout: 2000))
        try worker.connect(try router.lastEndpoint())
        var hello = try MessageCodec.encode(.hello(Hello(workerID: "w9", keyscopeVersion: "9.0", cores: 2, threads: 2, memoryBytes: 1 << 30)))
        hello[0][4] = 9   // a worker from the future
        try worker.send(hello)
        let frames = try router.receive()
        do {
            _ = try MessageCodec.standard.decode(routed: frames)
            Issue.record("a version-9 HELLO was accepted")
        } catch let ProtocolError.versionMismatch(received, expected) {
            #expect(received == 9)
            let reject = Message.reject(Reject(expectedVersion: expected, reason: "coordinator speaks protocol \(expected)"))
            try router.send(try MessageCodec.standard.encode(reject, to: frames[0]))
        }
        #expect(try MessageCodec.decode(frames: try worker.receive())
                == .reject(Reject(expectedVersion: MessageCodec.protocolVersion, reason: "coordinator speaks protocol 1")))
    }

    @Test("ROUTER_MANDATORY: unknown routing id is an error, not a silent drop")
    func routerMandatory() throws {
        let router = try ZMQSocket(context: context, type: .router)
        try router.configure(ZMQSocketOptions(linger: 0, routerMandatory: true))
        try router.bind("tcp://127.0.0.1:0")
        #expect(throws: ZMQError.hostUnreachable(operation: "send", endpoint: "tcp://127.0.0.1:0")) {
            _ = try router.trySend([Array("nobody".utf8), [1]])
        }
        #expect(throws: ZMQError.invalidArgument(operation: "setsockopt(ROUTING_ID)", detail: "routing id must be 1–255 bytes and not start with a zero byte")) {
            try router.setRoutingID([0, 1])
        }
    }

    @Test("options read back what was set")
    func options() throws {
        let s = try ZMQSocket(context: context, type: .dealer)
        try s.configure(.keyscopeDefault)
        #expect(try s.get(.linger) == 0)
        #expect(try s.get(.heartbeatInterval) == 1000)
        #expect(try s.get(.reconnectIntervalMax) == 32000)
        #expect(try s.get(.tcpKeepalive) == 1)
        #expect(try s.maxMessageSize() == Int64(ProtocolLimits.standard.maxBlobBytes))
        try s.set(.immediate, 1)
        #expect(try s.get(.immediate) == 1)
        s.close()
        #expect(throws: ZMQError.closed(operation: "setsockopt(linger)")) { try s.set(.linger, 1) }
    }

    @Test("messages over maxReceiveFrames are dropped whole and reported")
    func frameLimit() throws {
        let pull = try ZMQSocket(context: context, type: .pull)
        pull.maxReceiveFrames = 3
        try pull.bind("inproc://frames")
        let push = try ZMQSocket(context: context, type: .push)
        try push.set(.linger, 0)
        try push.connect("inproc://frames")
        try push.send([[1], [2], [3], [4], [5]])
        try push.send([[6]])
        #expect(throws: ZMQError.tooManyFrames(endpoint: "inproc://frames", limit: 3)) { _ = try pull.receive() }
        #expect(try pull.receive() == [[6]])
    }

    @Test("linger 0: closing with undeliverable messages and terminating the context does not hang")
    func cleanShutdown() throws {
        let t0 = DispatchTime.now()
        do {
            let ctx = try ZMQContext()
            let dealer = try ZMQSocket(context: ctx, type: .dealer)
            try dealer.set(.linger, 0)
            try dealer.connect("tcp://127.0.0.1:9")     // discard port: nothing listens
            for _ in 0..<10 { _ = try dealer.trySend([[UInt8](repeating: 1, count: 1000)]) }
            // A receive blocked on another thread is released by close() with .terminated.
            let blocked = try ZMQSocket(context: ctx, type: .pull)
            try blocked.set(.linger, 0)
            let done = DispatchSemaphore(value: 0)
            let outcome = OutcomeBox()
            Thread {
                do throws(ZMQError) { _ = try blocked.receive() } catch { outcome.set(error) }
                blocked.close()
                done.signal()
            }.start()
            Thread.sleep(forTimeInterval: 0.05)
            ctx.close()
            #expect(done.wait(timeout: .now() + 2) == .success)
            #expect(outcome.error == .terminated(operation: "receive"))
            #expect(throws: ZMQError.terminated(operation: "zmq_socket")) { _ = try ZMQSocket(context: ctx, type: .pair) }
        }   // dealer and context released here: zmq_ctx_term must return at once
        #expect(milliseconds(since: t0) < 1500)
    }
}

/// Carries an error out of a helper thread.
final class OutcomeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: ZMQError?
    func set(_ e: ZMQError) { lock.withLock { value = e } }
    var error: ZMQError? { lock.withLock { value } }
}

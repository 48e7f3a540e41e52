import CZeroMQ
import Foundation

/// The socket patterns keyscope uses (DESIGN §6): ROUTER/DEALER for coordinator ↔ workers,
/// PUSH/PULL or PAIR for stage-to-stage hidden states, REQ/REP for the ZAP handler.
public enum ZMQSocketType: Sendable, Equatable {
    case router, dealer, push, pull, pair, req, rep

    var raw: Int32 {
        switch self {
        case .router: ZMQ_ROUTER
        case .dealer: ZMQ_DEALER
        case .push: ZMQ_PUSH
        case .pull: ZMQ_PULL
        case .pair: ZMQ_PAIR
        case .req: ZMQ_REQ
        case .rep: ZMQ_REP
        }
    }
}

/// A ZeroMQ socket sending and receiving multipart messages as `[[UInt8]]` frames.
///
/// **Single-owner rule.** libzmq sockets are not thread-safe. A socket may be created on one thread
/// and handed to another (the hand-off through a lock, queue or `Thread` start is the memory barrier
/// libzmq requires), but only one thread may use it at any time. It is `@unchecked Sendable` so it
/// can be moved into the thread or task that owns it; never share one between concurrent users.
///
/// `EINTR` is retried inside every call; `EAGAIN` becomes `nil`/`false` for non-blocking calls and
/// `.timedOut` for blocking ones (i.e. when `RCVTIMEO`/`SNDTIMEO` expire).
public final class ZMQSocket: @unchecked Sendable {
    public let type: ZMQSocketType
    public let context: ZMQContext
    /// Receives with more frames than this are drained and thrown away (`ZMQError.tooManyFrames`),
    /// so a hostile peer cannot make one message arbitrarily large in frame count. Per-frame size is
    /// bounded by `ZMQ_MAXMSGSIZE` inside libzmq (`ZMQSocketOptions.maxMessageSize`).
    public var maxReceiveFrames: Int = 4096
    private(set) var handle: UnsafeMutableRawPointer?
    /// The last endpoint given to bind/connect, only for error messages.
    public private(set) var endpoint: String?

    public init(context: ZMQContext = .shared, type: ZMQSocketType) throws(ZMQError) {
        guard let h = zmq_socket(context.handle, type.raw) else {
            throw ZMQError.current("zmq_socket", endpoint: nil)
        }
        self.context = context
        self.type = type
        self.handle = h
    }

    deinit { close() }

    /// Closes the socket; unsent messages are kept for the socket's linger time (set linger 0 to
    /// drop them at once). Idempotent.
    public func close() {
        guard let h = handle else { return }
        handle = nil
        zmq_close(h)
    }

    public var isClosed: Bool { handle == nil }

    func open(_ op: String) throws(ZMQError) -> UnsafeMutableRawPointer {
        guard let h = handle else { throw ZMQError.closed(operation: op) }
        return h
    }

    // MARK: Endpoints

    public func bind(_ endpoint: String) throws(ZMQError) { try endpointCall("bind", endpoint, zmq_bind) }
    public func connect(_ endpoint: String) throws(ZMQError) { try endpointCall("connect", endpoint, zmq_connect) }
    public func unbind(_ endpoint: String) throws(ZMQError) { try endpointCall("unbind", endpoint, zmq_unbind) }
    public func disconnect(_ endpoint: String) throws(ZMQError) { try endpointCall("disconnect", endpoint, zmq_disconnect) }

    private func endpointCall(_ op: String, _ ep: String,
                              _ call: (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> Int32) throws(ZMQError) {
        let h = try open(op)
        self.endpoint = ep
        // An IPv6 literal (tcp://[::1]:port) needs ZMQ_IPV6 on the socket first; IPv4 endpoints keep
        // libzmq's IPv4-only default, so nothing changes for them.
        if ep.hasPrefix("tcp://["), op == "bind" || op == "connect" {
            var on: Int32 = 1
            try setRaw(ZMQ_IPV6, "ipv6", &on, MemoryLayout<Int32>.size)
        }
        while call(h, ep) != 0 {
            if zmq_errno() == EINTR { continue }
            throw ZMQError.current(op, endpoint: ep)
        }
    }

    /// The endpoint actually bound last, e.g. `tcp://127.0.0.1:41234` after binding `tcp://127.0.0.1:0`
    /// (the port-0 idiom tests and local clusters use to avoid collisions).
    public func lastEndpoint() throws(ZMQError) -> String {
        var buffer = [CChar](repeating: 0, count: 1024)
        var size = buffer.count
        let h = try open("getsockopt(LAST_ENDPOINT)")
        if zmq_getsockopt(h, ZMQ_LAST_ENDPOINT, &buffer, &size) != 0 {
            throw ZMQError.current("getsockopt(LAST_ENDPOINT)", endpoint: endpoint)
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: Send

    /// Sends one multipart message, blocking while the high-water mark is reached (up to `SNDTIMEO`).
    public func send(_ frames: [[UInt8]]) throws(ZMQError) {
        _ = try send(frames, blocking: true)
    }

    /// Sends one multipart message without blocking; `false` when it could not be queued (no peer,
    /// high-water mark reached). Multipart delivery is atomic: once the first frame is queued the
    /// rest always follow.
    public func trySend(_ frames: [[UInt8]]) throws(ZMQError) -> Bool {
        try send(frames, blocking: false)
    }

    private func send(_ frames: [[UInt8]], blocking: Bool) throws(ZMQError) -> Bool {
        let h = try open("send")
        guard !frames.isEmpty else { throw ZMQError.invalidArgument(operation: "send", detail: "a message needs at least one frame") }
        for (i, frame) in frames.enumerated() {
            var flags: Int32 = i + 1 < frames.count ? ZMQ_SNDMORE : 0
            // Only the first frame may report EAGAIN meaningfully; later ones are retried blocking.
            if !blocking && i == 0 { flags |= ZMQ_DONTWAIT }
            while true {
                let rc = frame.withUnsafeBytes { zmq_send(h, $0.baseAddress, $0.count, flags) }
                if rc >= 0 { break }
                let e = zmq_errno()
                if e == EINTR { continue }
                if e == EAGAIN && i == 0 && !blocking { return false }
                throw ZMQError.current("send", endpoint: endpoint)
            }
        }
        return true
    }

    // MARK: Receive

    /// Receives one multipart message, blocking up to `RCVTIMEO` (forever by default).
    public func receive() throws(ZMQError) -> [[UInt8]] {
        guard let m = try receive(blocking: true) else { throw ZMQError.timedOut(operation: "receive", endpoint: endpoint) }
        return m
    }

    /// Receives one message if one is queued, else `nil` at once.
    public func tryReceive() throws(ZMQError) -> [[UInt8]]? {
        try receive(blocking: false)
    }

    /// Receives one message, waiting at most `timeoutMilliseconds` (−1 = forever); `nil` on timeout.
    public func receive(timeoutMilliseconds: Int) throws(ZMQError) -> [[UInt8]]? {
        let poller = ZMQPoller()
        poller.add(self, events: .readable)
        let deadline = ZMQPoller.deadline(after: timeoutMilliseconds)
        while true {
            let ready = try poller.poll(timeoutMilliseconds: ZMQPoller.remaining(until: deadline))
            if ready[0].contains(.readable), let m = try tryReceive() { return m }
            if ZMQPoller.remaining(until: deadline) == 0 { return nil }
        }
    }

    private func receive(blocking: Bool) throws(ZMQError) -> [[UInt8]]? {
        let h = try open("receive")
        var frames: [[UInt8]] = []
        var dropped = false
        var msg = zmq_msg_t()
        zmq_msg_init(&msg)
        defer { zmq_msg_close(&msg) }
        while true {
            let flags: Int32 = (frames.isEmpty && !dropped && !blocking) ? ZMQ_DONTWAIT : 0
            let rc = zmq_msg_recv(&msg, h, flags)
            if rc < 0 {
                let e = zmq_errno()
                if e == EINTR { continue }
                if e == EAGAIN && frames.isEmpty && !dropped { return nil }
                throw ZMQError.current("receive", endpoint: endpoint)
            }
            if !dropped && frames.count < maxReceiveFrames {
                frames.append(Self.bytes(of: &msg))
            } else {
                dropped = true
                frames.removeAll(keepingCapacity: false)
            }
            if zmq_msg_more(&msg) == 0 { break }
        }
        if dropped { throw ZMQError.tooManyFrames(endpoint: endpoint, limit: maxReceiveFrames) }
        return frames
    }

    /// Copies a frame out of libzmq's buffer straight into uninitialised array storage (one copy).
    private static func bytes(of msg: inout zmq_msg_t) -> [UInt8] {
        let n = zmq_msg_size(&msg)
        guard n > 0, let src = zmq_msg_data(&msg) else { return [] }
        return [UInt8](unsafeUninitializedCapacity: n) { buf, count in
            buf.baseAddress!.update(from: src.assumingMemoryBound(to: UInt8.self), count: n)
            count = n
        }
    }
}

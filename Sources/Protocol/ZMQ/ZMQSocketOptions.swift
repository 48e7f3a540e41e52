import CZeroMQ

extension ZMQSocket {
    /// Integer socket options (all `int` in libzmq; times in milliseconds).
    public enum IntOption: Sendable, CaseIterable {
        /// How long unsent messages are kept after close (−1 forever, 0 drop at once).
        case linger
        case sendHighWaterMark, receiveHighWaterMark
        /// −1 = block forever; otherwise a blocking send/receive fails with `.timedOut`.
        case sendTimeout, receiveTimeout
        /// ROUTER: fail with `.hostUnreachable` instead of silently dropping unroutable messages.
        case routerMandatory
        /// Queue messages only to completed connections.
        case immediate
        /// ZMTP heartbeats (libzmq-level liveness, separate from keyscope's HEARTBEAT message).
        case heartbeatInterval, heartbeatTTL, heartbeatTimeout
        case reconnectInterval, reconnectIntervalMax
        /// −1 OS default, 0 off, 1 on; idle/count/interval in seconds.
        case tcpKeepalive, tcpKeepaliveIdle, tcpKeepaliveCount, tcpKeepaliveInterval
        case handshakeInterval
        /// 1 makes this socket a CURVE server (set by `ZMQSocket.makeCurveServer`).
        case curveServer

        var raw: Int32 {
            switch self {
            case .linger: ZMQ_LINGER
            case .sendHighWaterMark: ZMQ_SNDHWM
            case .receiveHighWaterMark: ZMQ_RCVHWM
            case .sendTimeout: ZMQ_SNDTIMEO
            case .receiveTimeout: ZMQ_RCVTIMEO
            case .routerMandatory: ZMQ_ROUTER_MANDATORY
            case .immediate: ZMQ_IMMEDIATE
            case .heartbeatInterval: ZMQ_HEARTBEAT_IVL
            case .heartbeatTTL: ZMQ_HEARTBEAT_TTL
            case .heartbeatTimeout: ZMQ_HEARTBEAT_TIMEOUT
            case .reconnectInterval: ZMQ_RECONNECT_IVL
            case .reconnectIntervalMax: ZMQ_RECONNECT_IVL_MAX
            case .tcpKeepalive: ZMQ_TCP_KEEPALIVE
            case .tcpKeepaliveIdle: ZMQ_TCP_KEEPALIVE_IDLE
            case .tcpKeepaliveCount: ZMQ_TCP_KEEPALIVE_CNT
            case .tcpKeepaliveInterval: ZMQ_TCP_KEEPALIVE_INTVL
            case .handshakeInterval: ZMQ_HANDSHAKE_IVL
            case .curveServer: ZMQ_CURVE_SERVER
            }
        }
        /// Write-only in libzmq: reading it back fails with EINVAL.
        var isWriteOnly: Bool { self == .routerMandatory }
    }

    public func set(_ option: IntOption, _ value: Int32) throws(ZMQError) {
        var v = value
        try setRaw(option.raw, "\(option)", &v, MemoryLayout<Int32>.size)
    }

    public func get(_ option: IntOption) throws(ZMQError) -> Int32 {
        var v: Int32 = 0
        var size = MemoryLayout<Int32>.size
        let h = try open("getsockopt(\(option))")
        if zmq_getsockopt(h, option.raw, &v, &size) != 0 { throw ZMQError.current("getsockopt(\(option))", endpoint: endpoint) }
        return v
    }

    /// Largest single frame libzmq accepts from a peer (−1 = unlimited); a bigger frame makes libzmq
    /// drop the connection before allocating it. keyscope sets it to `ProtocolLimits.maxBlobBytes`.
    public func setMaxMessageSize(_ bytes: Int64) throws(ZMQError) {
        var v = bytes
        try setRaw(ZMQ_MAXMSGSIZE, "maxMessageSize", &v, MemoryLayout<Int64>.size)
    }

    public func maxMessageSize() throws(ZMQError) -> Int64 {
        var v: Int64 = 0
        var size = MemoryLayout<Int64>.size
        let h = try open("getsockopt(maxMessageSize)")
        if zmq_getsockopt(h, ZMQ_MAXMSGSIZE, &v, &size) != 0 { throw ZMQError.current("getsockopt(maxMessageSize)", endpoint: endpoint) }
        return v
    }

    /// The identity a DEALER presents to a ROUTER (1–255 bytes, must not start with 0).
    public func setRoutingID(_ id: [UInt8]) throws(ZMQError) {
        guard (1...255).contains(id.count), id.first != 0 else {
            throw ZMQError.invalidArgument(operation: "setsockopt(ROUTING_ID)", detail: "routing id must be 1–255 bytes and not start with a zero byte")
        }
        var bytes = id
        try setRaw(ZMQ_ROUTING_ID, "routingID", &bytes, bytes.count)
    }

    public func routingID() throws(ZMQError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 256)
        var size = buffer.count
        let h = try open("getsockopt(ROUTING_ID)")
        if zmq_getsockopt(h, ZMQ_ROUTING_ID, &buffer, &size) != 0 { throw ZMQError.current("getsockopt(ROUTING_ID)", endpoint: endpoint) }
        return Array(buffer.prefix(size))
    }

    func setString(_ option: Int32, _ name: String, _ value: String) throws(ZMQError) {
        var bytes = Array(value.utf8)
        try setRaw(option, name, &bytes, bytes.count)
    }

    func setRaw(_ option: Int32, _ name: String, _ value: UnsafeRawPointer, _ size: Int) throws(ZMQError) {
        let h = try open("setsockopt(\(name))")
        while zmq_setsockopt(h, option, value, size) != 0 {
            if zmq_errno() == EINTR { continue }
            throw ZMQError.current("setsockopt(\(name))", endpoint: endpoint)
        }
    }

    /// Applies every non-nil field of `options`, in declaration order.
    public func configure(_ options: ZMQSocketOptions) throws(ZMQError) {
        for (option, value) in options.intOptions { try set(option, value) }
        if let m = options.maxMessageSize { try setMaxMessageSize(m) }
        if let id = options.routingID { try setRoutingID(id) }
    }
}

/// A bundle of socket options, e.g. filled from `cluster.json`; `nil` leaves libzmq's default.
public struct ZMQSocketOptions: Sendable, Equatable {
    public var linger: Int32?
    public var sendHighWaterMark: Int32?
    public var receiveHighWaterMark: Int32?
    public var sendTimeout: Int32?
    public var receiveTimeout: Int32?
    public var routerMandatory: Bool?
    public var immediate: Bool?
    public var maxMessageSize: Int64?
    public var routingID: [UInt8]?
    public var heartbeatInterval: Int32?
    public var heartbeatTTL: Int32?
    public var heartbeatTimeout: Int32?
    public var reconnectInterval: Int32?
    public var reconnectIntervalMax: Int32?
    public var tcpKeepalive: Bool?

    public init(linger: Int32? = nil, sendHighWaterMark: Int32? = nil, receiveHighWaterMark: Int32? = nil,
                sendTimeout: Int32? = nil, receiveTimeout: Int32? = nil, routerMandatory: Bool? = nil,
                immediate: Bool? = nil, maxMessageSize: Int64? = nil, routingID: [UInt8]? = nil,
                heartbeatInterval: Int32? = nil, heartbeatTTL: Int32? = nil, heartbeatTimeout: Int32? = nil,
                reconnectInterval: Int32? = nil, reconnectIntervalMax: Int32? = nil, tcpKeepalive: Bool? = nil) {
        self.linger = linger
        self.sendHighWaterMark = sendHighWaterMark
        self.receiveHighWaterMark = receiveHighWaterMark
        self.sendTimeout = sendTimeout
        self.receiveTimeout = receiveTimeout
        self.routerMandatory = routerMandatory
        self.immediate = immediate
        self.maxMessageSize = maxMessageSize
        self.routingID = routingID
        self.heartbeatInterval = heartbeatInterval
        self.heartbeatTTL = heartbeatTTL
        self.heartbeatTimeout = heartbeatTimeout
        self.reconnectInterval = reconnectInterval
        self.reconnectIntervalMax = reconnectIntervalMax
        self.tcpKeepalive = tcpKeepalive
    }

    /// keyscope's defaults for coordinator/worker sockets: linger 0 (never hang on exit — but a message
    /// still queued when the socket closes is dropped, so send a final SHUTDOWN/RESULT only to a peer
    /// that acknowledges it, or raise linger for that socket before closing),
    /// ZMTP heartbeats every second with a 5 s timeout (DESIGN §6), reconnect backoff 1 → 32 s
    /// (zguide ch. 4), frames bounded by `ProtocolLimits.standard.maxBlobBytes`.
    public static let keyscopeDefault = ZMQSocketOptions(
        linger: 0, maxMessageSize: Int64(ProtocolLimits.standard.maxBlobBytes),
        heartbeatInterval: 1000, heartbeatTTL: 5000, heartbeatTimeout: 5000,
        reconnectInterval: 1000, reconnectIntervalMax: 32000, tcpKeepalive: true)

    var intOptions: [(ZMQSocket.IntOption, Int32)] {
        var out: [(ZMQSocket.IntOption, Int32)] = []
        func add(_ o: ZMQSocket.IntOption, _ v: Int32?) { if let v { out.append((o, v)) } }
        add(.linger, linger)
        add(.sendHighWaterMark, sendHighWaterMark)
        add(.receiveHighWaterMark, receiveHighWaterMark)
        add(.sendTimeout, sendTimeout)
        add(.receiveTimeout, receiveTimeout)
        add(.routerMandatory, routerMandatory.map { $0 ? 1 : 0 })
        add(.immediate, immediate.map { $0 ? 1 : 0 })
        add(.heartbeatInterval, heartbeatInterval)
        add(.heartbeatTTL, heartbeatTTL)
        add(.heartbeatTimeout, heartbeatTimeout)
        add(.reconnectInterval, reconnectInterval)
        add(.reconnectIntervalMax, reconnectIntervalMax)
        add(.tcpKeepalive, tcpKeepalive.map { $0 ? 1 : 0 })
        return out
    }
}

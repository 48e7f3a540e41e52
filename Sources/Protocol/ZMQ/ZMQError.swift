import CZeroMQ

/// Failures of the ZeroMQ wrapper. Each case names the operation and, where one is known, the
/// endpoint, so a log line such as "connect tcp://10.0.0.5:5555: Connection refused" is enough to act on.
public enum ZMQError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A libzmq call failed; `errno` and its text come from `zmq_errno()` / `zmq_strerror()`.
    case failed(operation: String, endpoint: String?, errno: Int32, text: String)
    /// A blocking send or receive ran into its `SNDTIMEO` / `RCVTIMEO`.
    case timedOut(operation: String, endpoint: String?)
    /// `ROUTER_MANDATORY` is set and the routing id names no connected peer.
    case hostUnreachable(operation: String, endpoint: String?)
    /// The context was shut down (`ETERM`) while the call was pending.
    case terminated(operation: String)
    /// The socket was closed by this process before the call.
    case closed(operation: String)
    /// A received multipart message had more frames than the socket's `maxReceiveFrames`; it was dropped.
    case tooManyFrames(endpoint: String?, limit: Int)
    /// A caller-side argument libzmq would reject (bad key length, empty routing id, ...).
    case invalidArgument(operation: String, detail: String)

    public var description: String {
        func at(_ e: String?) -> String { e.map { " \($0)" } ?? "" }
        switch self {
        case let .failed(op, ep, code, text): return "zmq \(op)\(at(ep)): \(text) (errno \(code))"
        case let .timedOut(op, ep): return "zmq \(op)\(at(ep)): timed out"
        case let .hostUnreachable(op, ep): return "zmq \(op)\(at(ep)): no peer with that routing id"
        case let .terminated(op): return "zmq \(op): context terminated"
        case let .closed(op): return "zmq \(op): socket already closed"
        case let .tooManyFrames(ep, limit): return "zmq receive\(at(ep)): message over \(limit) frames dropped"
        case let .invalidArgument(op, detail): return "zmq \(op): \(detail)"
        }
    }

    /// Maps the current `zmq_errno()` to a case; EAGAIN means a timeout because the wrapper only
    /// reports it for blocking calls (non-blocking calls turn it into `nil`/`false` themselves).
    static func current(_ operation: String, endpoint: String?) -> ZMQError {
        let code = zmq_errno()
        switch code {
        case EAGAIN: return .timedOut(operation: operation, endpoint: endpoint)
        case EHOSTUNREACH: return .hostUnreachable(operation: operation, endpoint: endpoint)
        case ETERM: return .terminated(operation: operation)
        default: return .failed(operation: operation, endpoint: endpoint, errno: code, text: String(cString: zmq_strerror(code)))
        }
    }
}

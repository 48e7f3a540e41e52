import CZeroMQ
import Foundation

/// Poll events (`ZMQ_POLLIN` / `ZMQ_POLLOUT`).
public struct ZMQPollEvents: OptionSet, Sendable, Hashable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }
    public static let readable = ZMQPollEvents(rawValue: Int16(ZMQ_POLLIN))
    public static let writable = ZMQPoller.writableEvents
}

/// Waits on several sockets at once (`zmq_poll`), e.g. a worker's coordinator DEALER plus its
/// stage-input PULL. Same single-owner rule as `ZMQSocket`: the poller and its sockets belong to one thread.
public final class ZMQPoller: @unchecked Sendable {
    static let writableEvents = ZMQPollEvents(rawValue: Int16(ZMQ_POLLOUT))
    public private(set) var sockets: [ZMQSocket] = []
    private var items: [zmq_pollitem_t] = []

    public init() {}

    /// Adds a socket; returns its index in `poll`'s result.
    @discardableResult
    public func add(_ socket: ZMQSocket, events: ZMQPollEvents = .readable) -> Int {
        sockets.append(socket)
        items.append(zmq_pollitem_t(socket: socket.handle, fd: 0, events: events.rawValue, revents: 0))
        return sockets.count - 1
    }

    /// Waits until a socket is ready or the timeout passes (−1 = forever, 0 = just look).
    /// Returns, per added socket in order, the events that are ready (empty if none). EINTR restarts
    /// the wait with the remaining time.
    public func poll(timeoutMilliseconds: Int) throws(ZMQError) -> [ZMQPollEvents] {
        for i in items.indices {
            guard let h = sockets[i].handle else { throw ZMQError.closed(operation: "poll") }
            items[i].socket = h
            items[i].revents = 0
        }
        let deadline = Self.deadline(after: timeoutMilliseconds)
        var timeout = timeoutMilliseconds
        while true {
            let rc = items.withUnsafeMutableBufferPointer { zmq_poll($0.baseAddress, Int32($0.count), timeout) }
            if rc >= 0 { break }
            if zmq_errno() == EINTR { timeout = Self.remaining(until: deadline); continue }
            throw ZMQError.current("poll", endpoint: nil)
        }
        return items.map { ZMQPollEvents(rawValue: $0.revents) }
    }

    /// Monotonic deadline in nanoseconds; `nil` for "forever".
    static func deadline(after ms: Int) -> UInt64? {
        ms < 0 ? nil : DispatchTime.now().uptimeNanoseconds + UInt64(ms) * 1_000_000
    }

    /// Milliseconds left until `deadline` (−1 if none), rounded up so a wait never ends early.
    static func remaining(until deadline: UInt64?) -> Int {
        guard let deadline else { return -1 }
        let now = DispatchTime.now().uptimeNanoseconds
        return now >= deadline ? 0 : Int((deadline - now + 999_999) / 1_000_000)
    }
}

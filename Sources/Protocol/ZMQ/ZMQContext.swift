import CZeroMQ
import Foundation

/// One libzmq context: the I/O threads and the `inproc://` namespace shared by its sockets.
///
/// Use one per process (`ZMQContext.shared` or one made at start-up): `inproc://` endpoints, and
/// therefore the ZAP handler at `inproc://zeromq.zap.01`, are only visible inside one context.
/// A libzmq context is thread-safe, so this type is `Sendable`. Every socket keeps its context
/// alive; `zmq_ctx_term` runs in `deinit`, i.e. after the last socket is gone, so it cannot hang
/// on sockets this wrapper owns (sockets close with their configured linger).
public final class ZMQContext: @unchecked Sendable {
    /// The process-wide context (one I/O thread).
    public static let shared: ZMQContext = {
        do { return try ZMQContext() } catch { fatalError("zmq_ctx_new failed: \(error)") }
    }()

    let handle: UnsafeMutableRawPointer
    private let lock = NSLock()
    private var isShutDown = false

    /// - Parameter ioThreads: libzmq I/O threads; one handles about a gigabyte per second.
    public init(ioThreads: Int = 1) throws(ZMQError) {
        guard let h = zmq_ctx_new() else { throw ZMQError.current("zmq_ctx_new", endpoint: nil) }
        handle = h
        if ioThreads != 1, zmq_ctx_set(h, ZMQ_IO_THREADS, Int32(ioThreads)) != 0 {
            let error = ZMQError.current("zmq_ctx_set(IO_THREADS)", endpoint: nil)
            zmq_ctx_term(h)
            throw error
        }
    }

    /// Makes every blocking call on this context's sockets return `.terminated` and refuses new
    /// sockets. Idempotent. The context itself is freed once the last socket is released.
    public func close() {
        lock.lock(); defer { lock.unlock() }
        guard !isShutDown else { return }
        isShutDown = true
        zmq_ctx_shutdown(handle)
    }

    deinit {
        // Retry on EINTR: zmq_ctx_term may be interrupted by a signal and must then be called again.
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }
}

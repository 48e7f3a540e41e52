import Foundation

/// ROUTER ↔ DEALER round-trip throughput, for `keyscope bench protocol`.
///
/// A ROUTER on its own thread echoes every message back to its sender; the DEALER keeps up to
/// `window` messages in flight (as a coordinator with many leases would) and counts replies. With
/// `useCodec` each side encodes/decodes real `RESULT` messages, so the figure includes the codec.
public enum ProtocolBenchmark {
    public enum Transport: Sendable, CustomStringConvertible {
        /// `ipc://` socket file in `directory` (must exist and be writable; path under ~100 bytes).
        case ipc(directory: String)
        /// `tcp://127.0.0.1`, kernel-chosen port.
        case tcp

        public var description: String {
            switch self {
            case .ipc: "ipc"
            case .tcp: "tcp"
            }
        }
    }

    public struct Result: Sendable, CustomStringConvertible {
        public let transport: String
        public let messages: Int
        public let payloadBytes: Int
        public let seconds: Double
        /// Round trips per second (each is one message each way).
        public let messagesPerSecond: Double
        /// Payload megabytes per second, one direction.
        public let megabytesPerSecond: Double

        public var description: String {
            String(format: "%@: %d round trips of %d B in %.3f s: %.0f msg/s, %.1f MB/s",
                   transport, messages, payloadBytes, seconds, messagesPerSecond, megabytesPerSecond)
        }
    }

    public static func run(transport: Transport, messages: Int = 50_000, payloadBytes: Int = 64,
                           window: Int = 256, useCodec: Bool = true, context: ZMQContext = .shared) throws -> Result {
        let router = try ZMQSocket(context: context, type: .router)
        try router.configure(ZMQSocketOptions(linger: 0, sendHighWaterMark: 0, receiveHighWaterMark: 0, routerMandatory: true))
        switch transport {
        case let .ipc(directory): try router.bind("ipc://\(directory)/bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock")
        case .tcp: try router.bind("tcp://127.0.0.1:0")
        }
        let endpoint = try router.lastEndpoint()
        let dealer = try ZMQSocket(context: context, type: .dealer)
        try dealer.configure(ZMQSocketOptions(linger: 0, sendHighWaterMark: 0, receiveHighWaterMark: 0, receiveTimeout: 10_000))
        try dealer.connect(endpoint)

        let failure = BenchFailure()
        let finished = DispatchSemaphore(value: 0)
        // The router is handed to the echo thread until `finished` (single-owner rule). It is closed
        // here, after the dealer has every reply: closing it in the thread with linger 0 would drop
        // the last replies still queued for sending.
        Thread {
            defer { finished.signal() }
            do {
                for _ in 0..<messages {
                    let frames = try router.receive()
                    if useCodec {
                        let (id, m) = try MessageCodec.standard.decode(routed: frames)
                        try router.send(try MessageCodec.standard.encode(m, to: id))
                    } else {
                        try router.send(frames)
                    }
                }
            } catch { failure.set("\(error)") }
        }.start()

        let payload = (0..<payloadBytes).map { UInt8(truncatingIfNeeded: $0) }
        func request(_ i: Int) throws -> [[UInt8]] {
            let m = Message.result(UnitResult(unitID: UInt64(i), attempt: 0, leaseID: 1, blobs: [payload]))
            return useCodec ? try MessageCodec.standard.encode(m) : [payload]
        }
        let start = DispatchTime.now()
        var sent = 0, received = 0
        do {
            while received < messages {
                while sent < messages && sent - received < window { try dealer.send(try request(sent)); sent += 1 }
                let reply = try dealer.receive()
                if useCodec { _ = try MessageCodec.standard.decode(frames: reply) }
                received += 1
            }
        } catch {
            // Prefer the echo thread's error: it is usually the cause of a stalled dealer.
            if finished.wait(timeout: .now() + 2) == .success { router.close() }
            dealer.close()
            if let message = failure.message { throw ZMQError.invalidArgument(operation: "benchmark echo", detail: message) }
            throw error
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        finished.wait()
        router.close()
        dealer.close()
        if let message = failure.message { throw ZMQError.invalidArgument(operation: "benchmark echo", detail: message) }
        return Result(transport: transport.description, messages: messages, payloadBytes: payloadBytes, seconds: seconds,
                      messagesPerSecond: Double(messages) / seconds,
                      megabytesPerSecond: Double(messages * payloadBytes) / seconds / 1e6)
    }
}

private final class BenchFailure: @unchecked Sendable {
    private let lock = NSLock()
    private var text: String?
    func set(_ s: String) { lock.withLock { text = s } }
    var message: String? { lock.withLock { text } }
}

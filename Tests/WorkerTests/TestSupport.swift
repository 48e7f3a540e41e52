import Foundation
import Protocol
@testable import Worker

/// A fresh directory under /tmp (short, so ipc:// socket paths fit), removed on release.
final class TemporaryDirectory: @unchecked Sendable {
    let path: String

    init() {
        var template = Array("/tmp/ks-wrk-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    func file(_ name: String) -> String { path + "/" + name }
    var endpoint: String { "ipc://" + file("c.sock") }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Runs `body` on its own thread; `wait` joins it with a timeout.
final class Background<T: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var outcome: Result<T, any Error>?
    let name: String

    init(_ name: String, _ body: @escaping @Sendable () throws -> T) {
        self.name = name
        let thread = Thread { [self] in
            let r = Result { try body() }
            lock.withLock { outcome = r }
            done.signal()
        }
        thread.name = name
        thread.start()
    }

    func wait(timeout seconds: Double) throws -> T {
        guard done.wait(timeout: .now() + seconds) == .success else { throw TimedOut(what: name) }
        done.signal()  // later waits return at once
        return try lock.withLock { outcome! }.get()
    }

    var isDone: Bool { lock.withLock { outcome != nil } }
}

/// Polls `condition` every few milliseconds until it holds or `timeout` passes.
func waitUntil(_ what: String, timeout: Double = 10, _ condition: () -> Bool) throws {
    let end = Date().addingTimeInterval(timeout)
    while !condition() {
        guard Date() < end else { throw TimedOut(what: what) }
        usleep(2_000)
    }
}

/// A thread-safe append-only log.
final class Log<Element: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Element] = []
    func append(_ e: Element) { lock.withLock { items.append(e) } }
    var all: [Element] { lock.withLock { items } }
}

/// The toy unit: the spec is little-endian Int32 values, the result their sum as an Int64.
enum Toy {
    static func spec(_ values: [Int32]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    }

    static func values(_ spec: [UInt8]) -> [Int32] {
        stride(from: 0, to: spec.count - 3, by: 4).map { i in
            Int32(littleEndian: spec[i..<i + 4].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) })
        }
    }

    static func sum(_ spec: [UInt8]) -> [UInt8] {
        let total = values(spec).reduce(Int64(0)) { $0 + Int64($1) }
        return withUnsafeBytes(of: total.littleEndian) { Array($0) }
    }

    static func decode(_ blob: [UInt8]) -> Int64 {
        Int64(littleEndian: blob.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) })
    }
}

/// Sums the spec; optionally sleeps, blocks on a gate for chosen first values, or fails on a negative one.
final class SumExecutor: UnitExecutor, @unchecked Sendable {
    let calls = Log<[Int32]>()
    private let delay: Double
    private let gateValues: Set<Int32>
    private let slow: [Int32: Double]
    private let gate = DispatchSemaphore(value: 0)
    let entered = Log<Int32>()

    /// - Parameters: delay for every unit; `slow` maps a first value to a longer duration.
    init(delay: Double = 0, gateValues: Set<Int32> = [], slow: [Int32: Double] = [:]) {
        self.delay = delay
        self.gateValues = gateValues
        self.slow = slow
    }

    func execute(spec: [UInt8], phase: Int) throws -> [UInt8] {
        let values = Toy.values(spec)
        calls.append(values)
        if let first = values.first {
            entered.append(first)
            if first < 0 { throw UnitExecutionError("negative input \(first)", retryable: false) }
            if gateValues.contains(first) { _ = gate.wait(timeout: .now() + 30) }
        }
        let seconds = values.first.flatMap { slow[$0] } ?? delay
        if seconds > 0 { usleep(UInt32(seconds * 1_000_000)) }
        return Toy.sum(spec)
    }

    /// Lets every blocked unit go on.
    func openGate() { for _ in 0..<16 { gate.signal() } }
}

/// Fast timing for tests: heartbeat 50 ms, dead after 5 silent intervals (250 ms).
enum Timing {
    static let heartbeat = 0.05
    static let liveness = 5
    static let socketOptions = ZMQSocketOptions(
        linger: 0, maxMessageSize: Int64(ProtocolLimits.standard.maxBlobBytes),
        reconnectInterval: 20, reconnectIntervalMax: 200)

    static func worker(_ id: String, _ endpoint: String, parentPID: Int32? = nil) -> WorkerClientConfig {
        WorkerClientConfig(endpoint: endpoint, workerID: id, cores: 2, threads: 1, memoryBytes: 1 << 30,
                           heartbeatInterval: heartbeat, liveness: liveness, reconnectBase: 0.05, reconnectMax: 0.2,
                           parentPID: parentPID, socketOptions: socketOptions)
    }
}

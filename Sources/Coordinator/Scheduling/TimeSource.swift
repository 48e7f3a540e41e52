// Clocks injected into the server so tests can drive time deterministically.

import Foundation

/// A source of monotonic seconds. The scheduler itself takes `now` as an argument; the server reads
/// it from one of these.
public protocol TimeSource: Sendable {
    var now: Double { get }
}

/// Monotonic wall time (CLOCK_MONOTONIC), immune to system clock changes.
public struct MonotonicTimeSource: TimeSource {
    public init() {}

    public var now: Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}

/// A clock that only moves when told to; for deterministic tests.
public final class ManualTimeSource: TimeSource, @unchecked Sendable {
    private let lock = NSLock()
    private var value: Double

    public init(start: Double = 0) { value = start }

    public var now: Double { lock.withLock { value } }

    public func advance(by seconds: Double) { lock.withLock { value += seconds } }

    public func set(_ seconds: Double) { lock.withLock { value = seconds } }
}

// Timing and retry policy of the scheduler (DESIGN §6, §7; `cluster.json` heartbeat/lease sections).

public struct SchedulerConfig: Sendable, Hashable {
    /// Seconds between heartbeats in both directions.
    public var heartbeatInterval: Double
    /// A worker is dead after this many missed heartbeat intervals.
    public var liveness: Int
    /// A lease not completed within this many seconds is revoked and counts as a failed attempt.
    public var leaseTimeout: Double
    /// A unit that fails this many attempts is quarantined with its last error.
    public var maxAttempts: Int
    /// Requeue delay after the first failure; doubles with each further failure up to `backoffMax`.
    public var backoffBase: Double
    public var backoffMax: Double

    public init(heartbeatInterval: Double = 1, liveness: Int = 5, leaseTimeout: Double = 600,
                maxAttempts: Int = 3, backoffBase: Double = 1, backoffMax: Double = 32) {
        self.heartbeatInterval = heartbeatInterval
        self.liveness = liveness
        self.leaseTimeout = leaseTimeout
        self.maxAttempts = maxAttempts
        self.backoffBase = backoffBase
        self.backoffMax = backoffMax
    }

    /// Seconds of silence after which a worker is declared dead.
    public var workerTimeout: Double { heartbeatInterval * Double(liveness) }

    /// Delay before a unit that has failed `failures` times may be leased again: 1, 2, 4, … 32 s.
    public func backoff(afterFailures failures: Int) -> Double {
        guard failures > 0 else { return 0 }
        let exponent = min(failures - 1, 62)
        let delay = backoffBase * Double(sign: .plus, exponent: exponent, significand: 1)
        return min(delay, backoffMax)
    }
}

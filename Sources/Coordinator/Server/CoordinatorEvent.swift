// What the coordinator reports while it runs: events for logs/progress display, counters for metrics.

import Protocol

/// Emitted on the server's loop thread, in order. Keep handlers short (log, update a display).
public enum CoordinatorEvent: Sendable, Equatable {
    case listening(endpoint: String)
    case workerJoined(worker: String, hello: Hello)
    /// A peer spoke another protocol version and was sent REJECT.
    case workerRejected(receivedVersion: UInt16, reason: String)
    case workerLeft(worker: String, released: [LeaseKey])
    case workerLost(worker: String, leases: [LeaseKey])
    case assigned(LeaseKey, worker: String)
    case resultAccepted(LeaseKey, worker: String?, bytes: Int)
    case resultIgnored(LeaseKey, outcome: CompletionOutcome)
    case unitFailed(LeaseKey, message: String, outcome: FailureOutcome)
    case leaseExpired(LeaseKey, worker: String)
    case quarantined(unitID: Int, error: String)
    /// A message that could not be decoded or broke the protocol; it was dropped.
    case malformed(reason: String, detail: String)
    case progress(RunProgress)
    /// Every unit is terminal (with `.shutdownWorkers`, SHUTDOWN is sent to the workers next).
    case finished(RunProgress)
}

/// Running totals (Prometheus-style `_total` counters); a snapshot is a plain value.
public struct CoordinatorCounters: Sendable, Hashable {
    public var messagesReceived = 0
    /// Dropped messages, all reasons; `malformedByReason` splits them by `ProtocolError.metricLabel`
    /// (plus `frames`, `unexpected_type`, `lease_mismatch`, `empty_worker_id`).
    public var malformed = 0
    public var malformedByReason: [String: Int] = [:]
    public var rejected = 0
    public var assignsSent = 0
    public var resultsAccepted = 0
    public var duplicateResults = 0
    public var staleResults = 0
    public var unitFailures = 0
    public var workersLost = 0
    /// Messages libzmq would not queue (peer gone, high-water mark).
    public var sendFailures = 0
    /// Decodable messages other than HELLO from a peer that has not registered (or was declared lost).
    public var unknownPeerMessages = 0
    public var leasesExpired = 0

    public init() {}

    /// Stable names for the journal's `counters` table (`keyscope status` reads them back).
    public var named: [String: Int] {
        var out: [String: Int] = [
            "messages_received": messagesReceived, "malformed": malformed, "rejected_version": rejected,
            "assigns_sent": assignsSent, "results_accepted": resultsAccepted, "duplicate_results": duplicateResults,
            "stale_results": staleResults, "unit_failures": unitFailures, "workers_lost": workersLost,
            "send_failures": sendFailures, "unknown_peer_messages": unknownPeerMessages, "leases_expired": leasesExpired,
        ]
        for (reason, n) in malformedByReason { out["malformed." + reason] = n }
        return out
    }
}

/// What `run()` returns.
public struct CoordinatorSummary: Sendable, Hashable {
    public var progress: RunProgress
    public var counters: CoordinatorCounters
    /// False if the server was stopped before every unit was terminal.
    public var finished: Bool
}

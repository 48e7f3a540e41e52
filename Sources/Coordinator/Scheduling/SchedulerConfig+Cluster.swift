// Scheduler settings from `cluster.json` (DESIGN §8: heartbeat and lease sections).

extension SchedulerConfig {
    /// Heartbeat interval, liveness, lease timeout and max attempts from the cluster file; backoff
    /// stays at DESIGN's 1 → 32 s.
    public init(cluster: ClusterConfig) {
        self.init(heartbeatInterval: Double(cluster.heartbeatIntervalMs) / 1000, liveness: cluster.heartbeatLiveness,
                  leaseTimeout: cluster.leaseTimeoutSeconds, maxAttempts: cluster.maxAttempts)
    }
}

// Units, their states and the durable per-unit record (DESIGN §1, §7).

/// One independent piece of work: a batch of samples through one pipeline for one phase.
///
/// `spec` is opaque to the coordinator: the plan encodes it and the worker's executor decodes it,
/// so scheduling never depends on what a unit computes.
public struct WorkUnit: Sendable, Hashable {
    /// Unique within a run. Canonical order is the order units are given in, not the id order.
    public let id: Int
    public let phase: Int
    public let spec: [UInt8]

    public init(id: Int, phase: Int, spec: [UInt8]) {
        self.id = id
        self.phase = phase
        self.spec = spec
    }
}

/// Lifecycle of a unit. `done` and `quarantined` are terminal.
public enum UnitState: String, Sendable, CaseIterable, Hashable {
    case pending
    case leased
    case done
    case quarantined
}

/// Everything the scheduler needs to resume a unit after a restart; the journal stores exactly this.
public struct UnitRecord: Sendable, Hashable {
    public var unit: WorkUnit
    public var state: UnitState
    /// Leases granted so far, across coordinator restarts. The next lease gets `attempts + 1`,
    /// which keeps (unit, attempt) unique even for results sent to a previous coordinator process.
    public var attempts: Int
    /// Failed attempts (worker errors, lost workers, lease timeouts); quarantine at `maxAttempts`.
    public var failures: Int
    public var lastError: String?
    /// The attempt whose result was accepted, once `state == .done`.
    public var doneAttempt: Int?

    public init(unit: WorkUnit, state: UnitState = .pending, attempts: Int = 0, failures: Int = 0,
                lastError: String? = nil, doneAttempt: Int? = nil) {
        self.unit = unit
        self.state = state
        self.attempts = attempts
        self.failures = failures
        self.lastError = lastError
        self.doneAttempt = doneAttempt
    }
}

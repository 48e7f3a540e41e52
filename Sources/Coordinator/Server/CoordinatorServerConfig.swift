// Settings of the coordinator's ROUTER loop.

import Protocol

/// What the server does once every unit is done or quarantined.
public enum FinishPolicy: Sendable, Equatable {
    /// Send SHUTDOWN to the workers, drain for `drainSeconds`, return from `run()`.
    case shutdownWorkers
    /// Emit `.finished` and keep serving (heartbeats, registrations) so the caller can `addUnits`
    /// for a next phase without the workers reconnecting; `requestStop` ends it.
    case keepServing
}

public struct CoordinatorServerConfig: Sendable {
    /// Where the ROUTER binds: `ipc://<run dir>/coordinator.sock` by default, `tcp://…` only when asked.
    public var endpoint: String
    /// Carried in every ASSIGN so a worker can tell runs apart.
    public var runID: String
    public var scheduler: SchedulerConfig
    /// Leases one worker may hold at once: 1 = strictly one unit at a time; 2 lets the next unit's
    /// ASSIGN arrive while the current one runs.
    public var prefetch: Int
    public var socketOptions: ZMQSocketOptions
    public var codec: MessageCodec
    /// Seconds between `.progress` events.
    public var progressInterval: Double
    /// After the last unit, keep answering for this long so workers that were mid-reconnect still
    /// receive SHUTDOWN instead of retrying forever.
    public var drainSeconds: Double
    public var whenFinished: FinishPolicy
    /// Sample ids and layers put into ASSIGN for logs and routing; the unit's meaning stays in `spec`.
    public var describe: (@Sendable (WorkUnit) -> (sampleIDs: [String], layers: [UInt32]))?
    /// Runs on the new ROUTER before bind, e.g. `{ try $0.makeCurveServer(secretKey: key) }` for CURVE.
    public var prepareSocket: (@Sendable (ZMQSocket) throws -> Void)?
    /// Seconds between flushes of counters, worker last-seen times and the session heartbeat to the
    /// journal, where `keyscope status` reads them.
    public var activityFlushInterval: Double = 2
    /// Counters kept outside the server (e.g. `zap_refused` from the ZAP handler), flushed with its own.
    public var extraCounters: (@Sendable () -> [String: Int])?

    public init(endpoint: String, runID: String, scheduler: SchedulerConfig = SchedulerConfig(), prefetch: Int = 1,
                socketOptions: ZMQSocketOptions = .keyscopeDefault, codec: MessageCodec = .standard,
                progressInterval: Double = 1, drainSeconds: Double? = nil,
                describe: (@Sendable (WorkUnit) -> (sampleIDs: [String], layers: [UInt32]))? = nil) {
        self.endpoint = endpoint
        self.runID = runID
        self.scheduler = scheduler
        self.prefetch = max(1, prefetch)
        self.socketOptions = socketOptions
        self.codec = codec
        self.progressInterval = progressInterval
        self.drainSeconds = drainSeconds ?? scheduler.heartbeatInterval * 2
        self.whenFinished = .shutdownWorkers
        self.describe = describe
    }

    /// The local default: ipc in the run directory.
    public init(run: RunDirectory, scheduler: SchedulerConfig = SchedulerConfig(), prefetch: Int = 1) throws(RunDirectoryError) {
        self.init(endpoint: try run.ipcEndpoint(), runID: run.runID, scheduler: scheduler, prefetch: prefetch)
    }
}

public enum CoordinatorServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The plan holds a phase the protocol cannot carry (`UnitPhase` raw values).
    case invalidPhase(unitID: Int, phase: Int)
    case alreadyRunning
    case socket(ZMQError)
    /// `prepareSocket` threw.
    case socketSetup(String)

    public var description: String {
        switch self {
        case let .invalidPhase(id, phase):
            "coordinator: unit \(id) has phase \(phase); valid phases are \(UnitPhase.allCases.map { "\($0.rawValue) (\($0))" }.joined(separator: ", "))"
        case .alreadyRunning: "coordinator: run() called while already running"
        case let .socket(e): "coordinator: \(e)"
        case let .socketSetup(message): "coordinator: socket setup failed: \(message)"
        }
    }
}

import Math

/// Everything coordinator and workers say to each other (DESIGN §6). The byte layout of every case
/// is in docs/protocol.md; `MessageCodec` is the only code that knows it.
public enum Message: Sendable, Equatable {
    case hello(Hello)
    case ready(Ready)
    case assign(Assign)
    case stageData(StageData)
    case result(UnitResult)
    case error(UnitFailure)
    case heartbeat(Heartbeat)
    case shutdown(Shutdown)
    /// Sent instead of any answer when the peer's protocol version is wrong; its layout never changes.
    case reject(Reject)

    public var type: MessageType {
        switch self {
        case .hello: .hello
        case .ready: .ready
        case .assign: .assign
        case .stageData: .stageData
        case .result: .result
        case .error: .error
        case .heartbeat: .heartbeat
        case .shutdown: .shutdown
        case .reject: .reject
        }
    }
}

/// The header's type byte. Values are part of the wire format; REJECT's is frozen.
public enum MessageType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case hello = 0x01, ready = 0x02, assign = 0x03, stageData = 0x04, result = 0x05
    case error = 0x06, heartbeat = 0x07, shutdown = 0x08
    case reject = 0xFF

    public var description: String {
        switch self {
        case .hello: "HELLO"
        case .ready: "READY"
        case .assign: "ASSIGN"
        case .stageData: "STAGE_DATA"
        case .result: "RESULT"
        case .error: "ERROR"
        case .heartbeat: "HEARTBEAT"
        case .shutdown: "SHUTDOWN"
        case .reject: "REJECT"
        }
    }
}

/// A contiguous range of decoder layers `[firstLayer, endLayer)` a worker can host, optionally
/// with the vision tower and projector in front (pipeline stage 0).
public struct StageRange: Sendable, Equatable, Hashable {
    public var firstLayer: UInt32
    public var endLayer: UInt32
    public var includesVision: Bool
    public init(firstLayer: UInt32, endLayer: UInt32, includesVision: Bool) {
        self.firstLayer = firstLayer
        self.endLayer = endLayer
        self.includesVision = includesVision
    }
}

/// Worker → coordinator, first message on a connection (and again after a coordinator restart).
public struct Hello: Sendable, Equatable {
    public var workerID: String
    /// keyscope's release string, for logs and the report (protocol version is in the header).
    public var keyscopeVersion: String
    public var cores: UInt32
    public var threads: UInt32
    public var memoryBytes: UInt64
    /// Free-form tags, e.g. model families or `bf16`.
    public var capabilities: [String]
    /// Stages this worker can hold in memory; empty = "any, judge by memoryBytes".
    public var stages: [StageRange]
    public init(workerID: String, keyscopeVersion: String, cores: UInt32, threads: UInt32, memoryBytes: UInt64,
                capabilities: [String] = [], stages: [StageRange] = []) {
        self.workerID = workerID
        self.keyscopeVersion = keyscopeVersion
        self.cores = cores
        self.threads = threads
        self.memoryBytes = memoryBytes
        self.capabilities = capabilities
        self.stages = stages
    }
}

/// Worker → coordinator: "I can take `slots` more units now" (zguide READY / credit).
public struct Ready: Sendable, Equatable {
    public var slots: UInt32
    public init(slots: UInt32) { self.slots = slots }
}

/// Which statistics pass a unit belongs to (DESIGN §4).
public enum UnitPhase: UInt8, Sendable, CaseIterable {
    case calibration = 1
    case main = 2
}

/// Coordinator → worker: run one unit. The typed fields are what routing and logging need; the
/// rest of the unit's definition travels as the opaque `spec` frame the coordinator defines.
public struct Assign: Sendable, Equatable {
    public var unitID: UInt64
    public var attempt: UInt32
    public var leaseID: UInt64
    public var runID: String
    public var phase: UnitPhase
    public var sampleIDs: [String]
    public var layers: [UInt32]
    /// Small opaque options (bounded by `maxBlobBytes`), carried inside the payload frame.
    public var options: [UInt8]
    /// The unit specification, carried as its own raw frame.
    public var spec: [UInt8]
    public init(unitID: UInt64, attempt: UInt32, leaseID: UInt64, runID: String, phase: UnitPhase,
                sampleIDs: [String], layers: [UInt32], options: [UInt8] = [], spec: [UInt8] = []) {
        self.unitID = unitID
        self.attempt = attempt
        self.leaseID = leaseID
        self.runID = runID
        self.phase = phase
        self.sampleIDs = sampleIDs
        self.layers = layers
        self.options = options
        self.spec = spec
    }
}

/// One named Float32 tensor of a STAGE_DATA message; its values travel as one raw little-endian frame.
public struct NamedTensor: Sendable, Equatable {
    public var name: String
    public var tensor: Tensor
    public init(name: String, tensor: Tensor) {
        self.name = name
        self.tensor = tensor
    }
}

/// Worker → worker: hidden states (and companions such as position ids) from one stage to the next.
public struct StageData: Sendable, Equatable {
    public var unitID: UInt64
    public var attempt: UInt32
    public var leaseID: UInt64
    public var fromStage: UInt16
    public var toStage: UInt16
    /// Small opaque metadata (e.g. per-sample token counts), inside the payload frame.
    public var meta: [UInt8]
    public var tensors: [NamedTensor]
    public init(unitID: UInt64, attempt: UInt32, leaseID: UInt64, fromStage: UInt16, toStage: UInt16,
                meta: [UInt8] = [], tensors: [NamedTensor]) {
        self.unitID = unitID
        self.attempt = attempt
        self.leaseID = leaseID
        self.fromStage = fromStage
        self.toStage = toStage
        self.meta = meta
        self.tensors = tensors
    }
}

/// Worker → coordinator: the partial results of a unit, as opaque blobs (one raw frame each).
/// Results are idempotent by (unit, attempt): the coordinator ignores a late duplicate.
public struct UnitResult: Sendable, Equatable {
    public var unitID: UInt64
    public var attempt: UInt32
    public var leaseID: UInt64
    public var blobs: [[UInt8]]
    public init(unitID: UInt64, attempt: UInt32, leaseID: UInt64, blobs: [[UInt8]]) {
        self.unitID = unitID
        self.attempt = attempt
        self.leaseID = leaseID
        self.blobs = blobs
    }
}

/// Worker → coordinator: a unit failed. `retryable` false means "quarantine at once" (bad input).
public struct UnitFailure: Sendable, Equatable {
    public var unitID: UInt64
    public var attempt: UInt32
    public var leaseID: UInt64
    public var message: String
    public var retryable: Bool
    public init(unitID: UInt64, attempt: UInt32, leaseID: UInt64, message: String, retryable: Bool) {
        self.unitID = unitID
        self.attempt = attempt
        self.leaseID = leaseID
        self.message = message
        self.retryable = retryable
    }
}

/// Both directions, once a second by default (DESIGN §6); `sequence` counts up per sender.
public struct Heartbeat: Sendable, Equatable {
    public var sequence: UInt64
    public init(sequence: UInt64) { self.sequence = sequence }
}

/// Coordinator → worker (or a worker announcing its exit): stop after the current unit.
public struct Shutdown: Sendable, Equatable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

/// The answer to a message with a wrong protocol version. Frozen layout (docs/protocol.md §REJECT).
public struct Reject: Sendable, Equatable {
    /// The protocol version the rejecting side speaks (also its header version).
    public var expectedVersion: UInt16
    public var reason: String
    public init(expectedVersion: UInt16 = MessageCodec.protocolVersion, reason: String) {
        self.expectedVersion = expectedVersion
        self.reason = reason
    }
}

// Settings of a worker's connection to the coordinator (DESIGN §6, §8).

import Protocol

public struct WorkerClientConfig: Sendable {
    /// The coordinator's ROUTER endpoint (`ipc://…/coordinator.sock` or `tcp://host:port`).
    public var endpoint: String
    /// Stable across reconnects: the coordinator recognises a re-HELLO by it.
    public var workerID: String
    public var keyscopeVersion: String
    public var cores: UInt32
    public var threads: UInt32
    public var memoryBytes: UInt64
    public var capabilities: [String]
    public var stages: [StageRange]
    /// Seconds between HEARTBEATs; the coordinator is presumed gone after `liveness` silent intervals.
    public var heartbeatInterval: Double
    public var liveness: Int
    /// Reconnect delay after losing the coordinator: doubles from `reconnectBase` up to `reconnectMax`.
    public var reconnectBase: Double
    public var reconnectMax: Double
    /// Exit when this process is gone (the `keyscope run` parent that spawned local workers).
    public var parentPID: Int32?
    public var socketOptions: ZMQSocketOptions
    public var codec: MessageCodec
    /// Runs on each new DEALER before connect, e.g. `{ try $0.makeCurveClient(serverPublicKey:keyPair:) }`.
    public var prepareSocket: (@Sendable (ZMQSocket) throws -> Void)?

    public init(endpoint: String, workerID: String, keyscopeVersion: String = "dev",
                cores: UInt32 = 1, threads: UInt32 = 1, memoryBytes: UInt64 = 0,
                capabilities: [String] = [], stages: [StageRange] = [],
                heartbeatInterval: Double = 1, liveness: Int = 5, reconnectBase: Double = 1, reconnectMax: Double = 32,
                parentPID: Int32? = nil, socketOptions: ZMQSocketOptions = .keyscopeDefault, codec: MessageCodec = .standard) {
        self.endpoint = endpoint
        self.workerID = workerID
        self.keyscopeVersion = keyscopeVersion
        self.cores = cores
        self.threads = threads
        self.memoryBytes = memoryBytes
        self.capabilities = capabilities
        self.stages = stages
        self.heartbeatInterval = heartbeatInterval
        self.liveness = liveness
        self.reconnectBase = reconnectBase
        self.reconnectMax = reconnectMax
        self.parentPID = parentPID
        self.socketOptions = socketOptions
        self.codec = codec
    }

    var hello: Hello {
        Hello(workerID: workerID, keyscopeVersion: keyscopeVersion, cores: cores, threads: threads,
              memoryBytes: memoryBytes, capabilities: capabilities, stages: stages)
    }

    /// Delay before reconnect number `n` (1-based): base, 2·base, … capped at `reconnectMax`.
    public func reconnectDelay(attempt n: Int) -> Double {
        guard n > 0 else { return 0 }
        return min(reconnectMax, reconnectBase * Double(sign: .plus, exponent: min(n - 1, 62), significand: 1))
    }
}

/// Why `WorkerClient.run()` returned.
public enum WorkerExit: Sendable, Equatable {
    /// The coordinator sent SHUTDOWN (run finished or stopped).
    case shutdown(reason: String)
    /// The coordinator refused us (protocol version mismatch).
    case rejected(reason: String)
    /// The watched parent process is gone.
    case parentExited(pid: Int32)
    /// `requestStop()` was called.
    case stopped
}

/// Emitted on the worker's network thread.
public enum WorkerEvent: Sendable, Equatable {
    case connecting(endpoint: String, attempt: Int)
    case assigned(unitID: UInt64, attempt: UInt32)
    case completed(unitID: UInt64, attempt: UInt32, bytes: Int)
    case failed(unitID: UInt64, attempt: UInt32, message: String, retryable: Bool)
    case coordinatorLost(silentSeconds: Double)
    case reconnecting(delaySeconds: Double)
    case malformed(reason: String, detail: String)
    case exiting(WorkerExit)
}

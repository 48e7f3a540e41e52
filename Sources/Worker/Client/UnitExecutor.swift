// The seam between the worker's networking and the work itself (model forward + partial statistics).

/// Runs one unit. Called on the worker's executor thread, one unit at a time, so HEARTBEATs keep
/// flowing on the network thread however long a unit takes.
public protocol UnitExecutor: Sendable {
    /// - Parameters:
    ///   - spec: the unit specification exactly as the coordinator's plan encoded it.
    ///   - phase: `UnitPhase.rawValue` of the unit (1 calibration, 2 main).
    /// - Returns: the unit's result blob, journaled by the coordinator as is.
    /// - Throws: `UnitExecutionError` to choose whether the unit is retried; any other error is
    ///   reported as retryable.
    func execute(spec: [UInt8], phase: Int) throws -> [UInt8]
}

/// An executor failure with an explicit retry decision: `retryable: false` (e.g. an unreadable
/// image) quarantines the unit at once instead of burning its remaining attempts.
public struct UnitExecutionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var retryable: Bool

    public init(_ message: String, retryable: Bool) {
        self.message = message
        self.retryable = retryable
    }

    public var description: String { message }
}

// A lease: the right of one worker to compute one attempt of one unit until a deadline.

/// Identifies one attempt of one unit. Results are idempotent by this key (DESIGN §6).
public struct LeaseKey: Sendable, Hashable, CustomStringConvertible {
    public let unitID: Int
    public let attempt: Int

    /// Bits of `packed` that hold the attempt; the rest hold the unit id.
    public static let attemptBits: UInt64 = 24

    public init(unitID: Int, attempt: Int) {
        self.unitID = unitID
        self.attempt = attempt
    }

    /// The 64-bit lease id carried on the wire: unit id in the high 40 bits, attempt in the low 24.
    /// Deriving it from (unit, attempt) instead of a counter means a restarted coordinator can
    /// still recognise a result for a lease granted by its predecessor.
    public var packed: UInt64 {
        (UInt64(truncatingIfNeeded: unitID) << Self.attemptBits)
            | (UInt64(truncatingIfNeeded: attempt) & ((1 << Self.attemptBits) - 1))
    }

    public init(packed: UInt64) {
        self.unitID = Int(truncatingIfNeeded: packed >> Self.attemptBits)
        self.attempt = Int(truncatingIfNeeded: packed & ((1 << Self.attemptBits) - 1))
    }

    public var description: String { "unit \(unitID) attempt \(attempt)" }
}

/// A granted lease, as handed to the server to send in an ASSIGN.
public struct Lease: Sendable, Hashable {
    public let key: LeaseKey
    public let worker: String
    public let phase: Int
    public let spec: [UInt8]
    public let grantedAt: Double
    /// After this time the lease is revoked and the attempt counts as failed.
    public let deadline: Double

    public var unitID: Int { key.unitID }
    public var attempt: Int { key.attempt }
    public var id: UInt64 { key.packed }
}

import Math

/// One sample's captured keys: a modality per token and, per (variant, layer), a `[T, D]` key matrix.
public struct SampleKeys: Sendable {
    public var modality: [Modality]
    /// `true` for tokens that count as text under `--text-tokens prompt` (the user's question).
    public var isQuestion: [Bool]
    public var keys: [RopeVariant: [Int: Tensor]]

    public init(modality: [Modality], isQuestion: [Bool], keys: [RopeVariant: [Int: Tensor]]) {
        self.modality = modality; self.isQuestion = isQuestion; self.keys = keys
    }
}

/// Where keys come from: a model forward pass (`ModelKeyProvider`) or, in tests, a deterministic
/// synthetic source. Throwing `SampleUnusable` excludes the sample; any other error fails the unit.
public protocol KeyProvider: Sendable {
    func keys(sampleID: String, layers: [Int], variants: [RopeVariant]) throws -> SampleKeys
}

/// The sample itself cannot be used; this is deterministic, so retrying would not help.
public struct SampleUnusable: Error, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

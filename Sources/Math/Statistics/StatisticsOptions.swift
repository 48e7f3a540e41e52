/// Token modality (DESIGN §3): `image` = positions holding image features, `text` = all others.
public enum Modality: UInt8, Sendable, Codable, CaseIterable {
    case text = 0
    case image = 1
}

/// One sample's keys for one layer (or one KV head): the unit a worker hands to an accumulator.
///
/// Accumulators process a block on its own (in row chunks of at most 2048 from row 0), so the result
/// depends only on which blocks were added, never on how blocks were split between workers.
public struct KeyBlock: Sendable {
    public var sampleId: String
    /// `[T, D]` keys, one row per token.
    public var keys: Tensor
    /// Modality of each of the `T` rows.
    public var modality: [Modality]
    /// Position of each row in the expanded prompt (image tokens included), DESIGN §4.7.
    public var tokenIndex: [Int]

    public init(sampleId: String, keys: Tensor, modality: [Modality], tokenIndex: [Int]) {
        self.sampleId = sampleId
        self.keys = keys
        self.modality = modality
        self.tokenIndex = tokenIndex
    }

    /// Convenience: token indices 0..<T.
    public init(sampleId: String, keys: Tensor, modality: [Modality]) {
        self.init(sampleId: sampleId, keys: keys, modality: modality, tokenIndex: Array(0..<keys.rows))
    }

    func validate(width: Int, file: String) throws {
        guard keys.rank == 2, keys.cols == width else {
            throw StatisticsError.shapeMismatch("\(file): block '\(sampleId)' keys shape \(keys.shape), expected [T, \(width)]")
        }
        guard modality.count == keys.rows, tokenIndex.count == keys.rows else {
            throw StatisticsError.shapeMismatch(
                "\(file): block '\(sampleId)' has \(keys.rows) rows, \(modality.count) modality labels, \(tokenIndex.count) token indices")
        }
    }
}

/// Parameters of DESIGN §4/§5 with their defaults. Stored with every run so results can be reproduced.
public struct StatisticsOptions: Codable, Sendable, Equatable {
    /// PCA components r (r_eff = min(r, width)).
    public var components: Int = 32
    /// Histogram bins B per component (plus underflow and overflow).
    public var bins: Int = 64
    /// Sample groups G.
    public var groups: Int = 32
    /// Bootstrap draws R.
    public var bootstrapDraws: Int = 1000
    /// MMD permutation draws.
    public var permutationDraws: Int = 1000
    /// Subsample size k per modality (§5).
    public var subsampleSize: Int = 2000
    /// Calibration samples C.
    public var calibrationSamples: Int = 256
    /// Seed of every `hash64`.
    public var seed: UInt64 = 0

    public init(components: Int = 32, bins: Int = 64, groups: Int = 32, bootstrapDraws: Int = 1000,
                permutationDraws: Int = 1000, subsampleSize: Int = 2000, calibrationSamples: Int = 256, seed: UInt64 = 0) {
        self.components = components
        self.bins = bins
        self.groups = groups
        self.bootstrapDraws = bootstrapDraws
        self.permutationDraws = permutationDraws
        self.subsampleSize = subsampleSize
        self.calibrationSamples = calibrationSamples
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey {
        case components, bins, groups, bootstrapDraws, permutationDraws, subsampleSize, calibrationSamples, seed
    }

    /// Missing keys take their defaults, so a plan or sweep file may name only what it changes.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = StatisticsOptions()
        components = try c.decodeIfPresent(Int.self, forKey: .components) ?? d.components
        bins = try c.decodeIfPresent(Int.self, forKey: .bins) ?? d.bins
        groups = try c.decodeIfPresent(Int.self, forKey: .groups) ?? d.groups
        bootstrapDraws = try c.decodeIfPresent(Int.self, forKey: .bootstrapDraws) ?? d.bootstrapDraws
        permutationDraws = try c.decodeIfPresent(Int.self, forKey: .permutationDraws) ?? d.permutationDraws
        subsampleSize = try c.decodeIfPresent(Int.self, forKey: .subsampleSize) ?? d.subsampleSize
        calibrationSamples = try c.decodeIfPresent(Int.self, forKey: .calibrationSamples) ?? d.calibrationSamples
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
    }

    /// Rejects values the statistics cannot run with; the message names the field.
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ value: Int, _ rule: String) throws {
            if !ok { throw StatisticsError.invalidOption("StatisticsOptions.\(field) = \(value): \(rule)") }
        }
        try check(components >= 1 && components <= 4096, "components", components, "must be in 1...4096")
        try check(bins >= 1 && bins <= 1 << 16, "bins", bins, "must be in 1...65536")
        try check(groups >= 1 && groups <= 1 << 16, "groups", groups, "must be in 1...65536")
        try check(bootstrapDraws >= 0, "bootstrapDraws", bootstrapDraws, "must be ≥ 0")
        try check(permutationDraws >= 0, "permutationDraws", permutationDraws, "must be ≥ 0")
        try check(subsampleSize >= 0 && subsampleSize <= 1 << 24, "subsampleSize", subsampleSize, "must be in 0...16777216")
        try check(calibrationSamples >= 1, "calibrationSamples", calibrationSamples, "must be ≥ 1")
    }
}

/// Errors of the statistics engine; messages name the file/field concerned.
public enum StatisticsError: Error, Equatable, CustomStringConvertible {
    case invalidOption(String)
    case shapeMismatch(String)
    case incompatible(String)
    case noTokens(String)
    case overflow(String)
    case lapack(String)

    public var description: String {
        switch self {
        case .invalidOption(let m), .shapeMismatch(let m), .incompatible(let m), .noTokens(let m),
             .overflow(let m), .lapack(let m): return m
        }
    }
}

/// The calibration set of DESIGN §4.1.
public enum CalibrationSet {
    /// The `C` sample ids with the smallest `hash64(seed, id)` (all if fewer), ties by the UTF-8 bytes
    /// of the id; returned in that order. Duplicate ids count once.
    public static func select(sampleIds: [String], options: StatisticsOptions) -> [String] {
        let unique = Array(Set(sampleIds))
        let keyed = unique.map { (StatHash.sampleHash(seed: options.seed, sampleId: $0), $0) }
        let sorted = keyed.sorted { a, b in
            a.0 != b.0 ? a.0 < b.0 : a.1.utf8.lexicographicallyPrecedes(b.1.utf8)
        }
        return sorted.prefix(max(0, options.calibrationSamples)).map(\.1)
    }
}

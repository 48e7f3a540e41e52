import Foundation

/// Every number of one analysed layer (DESIGN §4), as it goes into `report.json`.
/// Undefined values are nil and encode as JSON `null` (never NaN, never 0).
public struct LayerResult: Codable, Sendable, Equatable {
    public struct Counts: Codable, Sendable, Equatable {
        public var image: Int
        public var text: Int
    }

    /// Weighted (w_j = max(λ_j, 0)/Σ) and unweighted mean of per-component JSDs.
    public struct Score: Codable, Sendable, Equatable {
        public var weighted: Double?
        public var mean: Double?
        enum CodingKeys: String, CodingKey { case weighted, mean }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(weighted, forKey: .weighted); try c.encode(mean, forKey: .mean)
        }
    }

    public struct Bootstrap: Codable, Sendable, Equatable {
        public var draws: Int
        /// Draws with a defined inter score and at least one defined intra score.
        public var validDraws: Int
        public var pValue: Double
        /// 95 % percentile intervals [2.5 %, 97.5 %].
        public var interInterval: [Double]?
        public var intraImageInterval: [Double]?
        public var intraTextInterval: [Double]?
        enum CodingKeys: String, CodingKey {
            case draws, validDraws = "valid_draws", pValue = "p_value", interInterval = "inter_interval"
            case intraImageInterval = "intra_image_interval", intraTextInterval = "intra_text_interval"
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(draws, forKey: .draws); try c.encode(validDraws, forKey: .validDraws)
            try c.encode(pValue, forKey: .pValue); try c.encode(interInterval, forKey: .interInterval)
            try c.encode(intraImageInterval, forKey: .intraImageInterval)
            try c.encode(intraTextInterval, forKey: .intraTextInterval)
        }
    }

    public struct Gaussian: Codable, Sendable, Equatable {
        public var frechet: Double?
        /// Nats; nil when a covariance is singular.
        public var symmetricKL: Double?
        public var imageMean: [Double]?
        public var textMean: [Double]?
        /// r×r row-major, divisor n.
        public var imageCovariance: [Double]?
        public var textCovariance: [Double]?
        enum CodingKeys: String, CodingKey {
            case frechet, symmetricKL = "symmetric_kl", imageMean = "image_mean", textMean = "text_mean"
            case imageCovariance = "image_covariance", textCovariance = "text_covariance"
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(frechet, forKey: .frechet); try c.encode(symmetricKL, forKey: .symmetricKL)
            try c.encode(imageMean, forKey: .imageMean); try c.encode(textMean, forKey: .textMean)
            try c.encode(imageCovariance, forKey: .imageCovariance); try c.encode(textCovariance, forKey: .textCovariance)
        }
    }

    public struct MMDSummary: Codable, Sendable, Equatable {
        public var mmd2: Double?
        public var bandwidth: Double?
        public var pValue: Double?
        public var permutations: Int
        public var subsample: Counts
        enum CodingKeys: String, CodingKey { case mmd2, bandwidth, pValue = "p_value", permutations, subsample }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(mmd2, forKey: .mmd2); try c.encode(bandwidth, forKey: .bandwidth)
            try c.encode(pValue, forKey: .pValue); try c.encode(permutations, forKey: .permutations)
            try c.encode(subsample, forKey: .subsample)
        }
    }

    public var components: Int
    public var eigenvalues: [Double]
    /// nil when no λ is positive.
    public var weights: [Double]?
    public var tokens: Counts
    public var excludedTokens: Counts
    public var calibrationTokens: Int
    public var calibrationExcludedTokens: Int
    public var interJSD: [Double?]
    public var intraImageJSD: [Double?]
    public var intraTextJSD: [Double?]
    public var inter: Score
    public var intraImage: Score
    public var intraText: Score
    public var bootstrap: Bootstrap
    public var gaussian: Gaussian
    public var mmd: MMDSummary

    enum CodingKeys: String, CodingKey {
        case components, eigenvalues, weights, tokens, excludedTokens = "excluded_tokens"
        case calibrationTokens = "calibration_tokens", calibrationExcludedTokens = "calibration_excluded_tokens"
        case interJSD = "inter_jsd", intraImageJSD = "intra_image_jsd", intraTextJSD = "intra_text_jsd"
        case inter, intraImage = "intra_image", intraText = "intra_text", bootstrap, gaussian, mmd
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(components, forKey: .components); try c.encode(eigenvalues, forKey: .eigenvalues)
        try c.encode(weights, forKey: .weights); try c.encode(tokens, forKey: .tokens)
        try c.encode(excludedTokens, forKey: .excludedTokens)
        try c.encode(calibrationTokens, forKey: .calibrationTokens)
        try c.encode(calibrationExcludedTokens, forKey: .calibrationExcludedTokens)
        try c.encode(interJSD, forKey: .interJSD); try c.encode(intraImageJSD, forKey: .intraImageJSD)
        try c.encode(intraTextJSD, forKey: .intraTextJSD)
        try c.encode(inter, forKey: .inter); try c.encode(intraImage, forKey: .intraImage)
        try c.encode(intraText, forKey: .intraText); try c.encode(bootstrap, forKey: .bootstrap)
        try c.encode(gaussian, forKey: .gaussian); try c.encode(mmd, forKey: .mmd)
    }

    /// Byte-stable JSON: sorted keys, explicit nulls, shortest round-trip doubles.
    public func jsonData() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return try e.encode(self)
    }
}

// Public memberwise initialisers: report readers outside Math (report.json's own layout in
// Coordinator's `VariantReport`) rebuild results field by field.
extension LayerResult.Counts {
    public init(image: Int, text: Int, _: Void = ()) { self.image = image; self.text = text }
}
extension LayerResult.Score {
    public init(weighted: Double?, mean: Double?, _: Void = ()) { self.weighted = weighted; self.mean = mean }
}
extension LayerResult.Bootstrap {
    public init(draws: Int, validDraws: Int, pValue: Double, interInterval: [Double]?, intraImageInterval: [Double]?,
                intraTextInterval: [Double]?, _: Void = ()) {
        self.draws = draws; self.validDraws = validDraws; self.pValue = pValue; self.interInterval = interInterval
        self.intraImageInterval = intraImageInterval; self.intraTextInterval = intraTextInterval
    }
}
extension LayerResult.Gaussian {
    public init(frechet: Double?, symmetricKL: Double?, imageMean: [Double]?, textMean: [Double]?,
                imageCovariance: [Double]?, textCovariance: [Double]?, _: Void = ()) {
        self.frechet = frechet; self.symmetricKL = symmetricKL; self.imageMean = imageMean; self.textMean = textMean
        self.imageCovariance = imageCovariance; self.textCovariance = textCovariance
    }
}
extension LayerResult.MMDSummary {
    public init(mmd2: Double?, bandwidth: Double?, pValue: Double?, permutations: Int, subsample: LayerResult.Counts, _: Void = ()) {
        self.mmd2 = mmd2; self.bandwidth = bandwidth; self.pValue = pValue; self.permutations = permutations
        self.subsample = subsample
    }
}
extension LayerResult {
    public init(components: Int, eigenvalues: [Double], weights: [Double]?, tokens: Counts, excludedTokens: Counts,
                calibrationTokens: Int, calibrationExcludedTokens: Int, interJSD: [Double?], intraImageJSD: [Double?],
                intraTextJSD: [Double?], inter: Score, intraImage: Score, intraText: Score, bootstrap: Bootstrap,
                gaussian: Gaussian, mmd: MMDSummary, _: Void = ()) {
        self.components = components; self.eigenvalues = eigenvalues; self.weights = weights; self.tokens = tokens
        self.excludedTokens = excludedTokens; self.calibrationTokens = calibrationTokens
        self.calibrationExcludedTokens = calibrationExcludedTokens; self.interJSD = interJSD
        self.intraImageJSD = intraImageJSD; self.intraTextJSD = intraTextJSD; self.inter = inter
        self.intraImage = intraImage; self.intraText = intraText; self.bootstrap = bootstrap; self.gaussian = gaussian
        self.mmd = mmd
    }
}

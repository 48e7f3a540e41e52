import Foundation

// Plain input of the human-readable report. The statistics engine's results are mapped onto
// these structs by the caller; the writers only format. Every optional number means
// "undefined" (DESIGN §4.3: a JSD with an empty side is null, never 0) and is drawn as a gap,
// a hatched cell or "—".

/// Everything `report.html` and the CSV files show.
public struct ReportInput: Codable, Sendable {
    public var header: ReportHeader
    public var quarantinedUnits: [ReportQuarantinedUnit]
    public var excludedSamples: [ReportExcludedSample]
    /// One per key variant, in display order (e.g. pre-RoPE, post-RoPE).
    public var variants: [ReportVariant]

    public init(header: ReportHeader, quarantinedUnits: [ReportQuarantinedUnit] = [],
                excludedSamples: [ReportExcludedSample] = [], variants: [ReportVariant]) {
        self.header = header; self.quarantinedUnits = quarantinedUnits
        self.excludedSamples = excludedSamples; self.variants = variants
    }
}

/// The run header: what was measured, on what, with which settings and how long it took.
public struct ReportHeader: Codable, Sendable {
    public var title: String
    public var model: String
    public var dataset: String
    /// Content hash of the dataset as frozen in the plan.
    public var datasetHash: String
    public var layers: [Int]
    /// Options in display order (name, value), e.g. ("rope", "pre"), ("components", "32").
    public var options: [ReportKeyValue]
    public var version: String
    public var runID: String
    /// Free-form creation time as the caller wants it shown (e.g. ISO 8601).
    public var createdAt: String
    /// Phase timings in display order (name, seconds).
    public var timings: [ReportTiming]
    public var workerCount: Int

    public init(title: String = "keyscope report", model: String, dataset: String, datasetHash: String,
                layers: [Int], options: [ReportKeyValue] = [], version: String, runID: String = "",
                createdAt: String = "", timings: [ReportTiming] = [], workerCount: Int) {
        self.title = title; self.model = model; self.dataset = dataset; self.datasetHash = datasetHash
        self.layers = layers; self.options = options; self.version = version; self.runID = runID
        self.createdAt = createdAt; self.timings = timings; self.workerCount = workerCount
    }
}

public struct ReportKeyValue: Codable, Sendable, Equatable {
    public var key: String
    public var value: String
    public init(_ key: String, _ value: String) { self.key = key; self.value = value }
}

public struct ReportTiming: Codable, Sendable, Equatable {
    public var name: String
    public var seconds: Double
    public init(_ name: String, seconds: Double) { self.name = name; self.seconds = seconds }
}

/// A unit that failed N times and was set aside (DESIGN §7), listed so nothing is silently dropped.
public struct ReportQuarantinedUnit: Codable, Sendable, Equatable {
    public var unit: String
    public var attempts: Int
    public var error: String
    public init(unit: String, attempts: Int, error: String) { self.unit = unit; self.attempts = attempts; self.error = error }
}

public struct ReportExcludedSample: Codable, Sendable, Equatable {
    public var sampleID: String
    public var reason: String
    public init(sampleID: String, reason: String) { self.sampleID = sampleID; self.reason = reason }
}

/// A statistic with its 95 % bootstrap percentile interval; any part may be undefined.
public struct ReportEstimate: Codable, Sendable, Equatable {
    public var value: Double?
    public var lower: Double?
    public var upper: Double?
    public init(_ value: Double?, lower: Double? = nil, upper: Double? = nil) {
        self.value = value; self.lower = lower; self.upper = upper
    }
    public static let undefined = ReportEstimate(nil)
}

/// One analysed layer of one variant (DESIGN §4: JSD scores, bootstrap, Gaussian summary, MMD²).
public struct ReportLayer: Codable, Sendable {
    public var layer: Int
    /// λ-weighted inter-modal JSD (layer score) with its interval.
    public var inter: ReportEstimate
    /// Intra-modal baselines (even vs odd groups).
    public var intraImage: ReportEstimate
    public var intraText: ReportEstimate
    /// Bootstrap p-value of inter ≤ max(intra).
    public var pValue: Double?
    /// Unweighted mean of the component JSDs.
    public var unweightedInter: Double?
    public var mmd2: Double?
    public var mmdPValue: Double?
    public var frechet: Double?
    public var symmetricKL: Double?
    /// Inter-modal JSD per PCA component j (length r_eff); nil where undefined.
    public var componentJSD: [Double?]
    public var imageTokens: Int
    public var textTokens: Int

    public init(layer: Int, inter: ReportEstimate, intraImage: ReportEstimate, intraText: ReportEstimate,
                pValue: Double?, unweightedInter: Double? = nil, mmd2: Double? = nil, mmdPValue: Double? = nil,
                frechet: Double? = nil, symmetricKL: Double? = nil, componentJSD: [Double?] = [],
                imageTokens: Int = 0, textTokens: Int = 0) {
        self.layer = layer; self.inter = inter; self.intraImage = intraImage; self.intraText = intraText
        self.pValue = pValue; self.unweightedInter = unweightedInter; self.mmd2 = mmd2; self.mmdPValue = mmdPValue
        self.frechet = frechet; self.symmetricKL = symmetricKL; self.componentJSD = componentJSD
        self.imageTokens = imageTokens; self.textTokens = textTokens
    }
}

public enum ReportModality: String, Codable, Sendable { case image, text }

public struct ReportTSNEPoint: Codable, Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var modality: ReportModality
    public var sampleID: String
    public var tokenIndex: Int
    public init(x: Double, y: Double, modality: ReportModality, sampleID: String, tokenIndex: Int) {
        self.x = x; self.y = y; self.modality = modality; self.sampleID = sampleID; self.tokenIndex = tokenIndex
    }
}

/// A t-SNE map of one layer's pooled subsample (DESIGN §5) and how it was made.
public struct ReportTSNEMap: Codable, Sendable {
    public var layer: Int
    public var points: [ReportTSNEPoint]
    public var klDivergence: Double?
    public var klIsExact: Bool
    public var perplexity: Double
    public var iterations: Int
    public var seed: UInt64
    public init(layer: Int, points: [ReportTSNEPoint], klDivergence: Double?, klIsExact: Bool,
                perplexity: Double, iterations: Int, seed: UInt64 = 0) {
        self.layer = layer; self.points = points; self.klDivergence = klDivergence; self.klIsExact = klIsExact
        self.perplexity = perplexity; self.iterations = iterations; self.seed = seed
    }
}

/// One key variant (pre- or post-RoPE): per-layer statistics and t-SNE maps.
public struct ReportVariant: Codable, Sendable {
    /// Short machine name used in file names, e.g. "pre" (→ `tsne_pre_<layer>.csv`).
    public var name: String
    /// Human title, e.g. "Pre-RoPE keys".
    public var title: String
    public var layers: [ReportLayer]
    public var tsne: [ReportTSNEMap]
    public init(name: String, title: String, layers: [ReportLayer], tsne: [ReportTSNEMap] = []) {
        self.name = name; self.title = title; self.layers = layers; self.tsne = tsne
    }
}

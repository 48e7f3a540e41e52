import Foundation

/// How the gradient-descent step size is chosen.
public enum TSNELearningRate: Codable, Sendable, Equatable {
    /// `max(n / 12, 200)` (Belkina et al. 2019, openTSNE's convention; DESIGN §5).
    case auto
    case fixed(Double)

    /// The step size for `n` points.
    public func resolved(n: Int) -> Double {
        switch self {
        case .auto: return max(Double(n) / 12, 200)
        case .fixed(let v): return v
        }
    }
}

/// Every t-SNE parameter; stored with the map (STYLE: "store the seed and every parameter").
///
/// Defaults are DESIGN §5. The gradient follows openTSNE's convention (no factor 4 in front of
/// `Σ (p − q) w (yᵢ − yⱼ)`), so its learning rates carry over unchanged.
public struct TSNEOptions: Codable, Sendable, Equatable {
    /// Target perplexity; capped at `(n − 1) / 3` for small `n` (DESIGN §4.7).
    public var perplexity: Double = 30
    /// Main-phase iterations (after early exaggeration).
    public var iterations: Int = 750
    public var exaggeration: Double = 12
    public var exaggerationIterations: Int = 250
    public var learningRate: TSNELearningRate = .auto
    /// Momentum during early exaggeration, then in the main phase.
    public var initialMomentum: Double = 0.5
    public var finalMomentum: Double = 0.8
    /// openTSNE's gains update adds this to shrinking gains (delta-bar-delta).
    public var minGain: Double = 0.01
    /// Barnes-Hut opening angle: a cell of side s at distance r is summarised when s / r < θ.
    public var theta: Double = 0.5
    /// Only used if PCA initialisation is degenerate (then a seeded Gaussian start is used).
    public var seed: UInt64 = 0
    /// Worker threads; 0 means `Compute.threads`. Results are identical for every thread count
    /// because the work is cut into a fixed number of chunks that are reduced in order.
    public var threads: Int = 0
    /// Up to this many points all pairs are neighbours; above, exact k-NN with k = 3·perplexity.
    public var allPairsMaxN: Int = 1000
    /// Up to this many points the gradient is exact O(n²); above, Barnes-Hut.
    public var exactGradientMaxN: Int = 1000
    /// Up to this many points the final KL divergence is exact; above, its normaliser is estimated by Barnes-Hut.
    public var exactKLMaxN: Int = 5000

    public init() {}

    /// The perplexity actually used for `n` points.
    public func effectivePerplexity(n: Int) -> Double {
        min(perplexity, Double(n - 1) / 3)
    }

    var resolvedThreads: Int { threads > 0 ? threads : max(1, Compute.threads) }

    func validate(n: Int) throws {
        guard n >= 4 else { throw TSNEError.tooFewPoints(n) }
        guard perplexity > 0, perplexity.isFinite else { throw TSNEError.invalidOption("perplexity", perplexity) }
        guard iterations >= 0 else { throw TSNEError.invalidOption("iterations", Double(iterations)) }
        guard exaggerationIterations >= 0 else {
            throw TSNEError.invalidOption("exaggerationIterations", Double(exaggerationIterations))
        }
        guard exaggeration > 0 else { throw TSNEError.invalidOption("exaggeration", exaggeration) }
        guard theta >= 0, theta.isFinite else { throw TSNEError.invalidOption("theta", theta) }
        if case .fixed(let lr) = learningRate, !(lr > 0 && lr.isFinite) {
            throw TSNEError.invalidOption("learningRate", lr)
        }
    }
}

/// Which algorithm produced each part of a map; reported so readers know what the KL means.
public enum TSNEGradientMethod: String, Codable, Sendable { case exact, barnesHut = "barnes-hut" }
public enum TSNENeighborMethod: String, Codable, Sendable { case allPairs = "all-pairs", exactKNN = "exact-knn" }

/// A finished map plus everything needed to interpret it.
public struct TSNEResult: Codable, Sendable {
    public var n: Int
    /// Row-major `[n, 2]` coordinates.
    public var embedding: [Double]
    /// Final KL(P ‖ Q) in nats.
    public var klDivergence: Double
    /// `false` when Q's normaliser was estimated by Barnes-Hut (n > `exactKLMaxN`).
    public var klIsExact: Bool
    /// Total gradient steps (early exaggeration + main phase).
    public var iterations: Int
    public var seconds: Double
    public var effectivePerplexity: Double
    public var learningRate: Double
    public var neighborMethod: TSNENeighborMethod
    public var gradientMethod: TSNEGradientMethod
    public var options: TSNEOptions

    public func point(_ i: Int) -> (x: Double, y: Double) { (embedding[2 * i], embedding[2 * i + 1]) }
}

public enum TSNEError: Error, CustomStringConvertible, Equatable {
    case shapeMismatch(n: Int, d: Int, count: Int)
    case tooFewPoints(Int)
    case nonFiniteInput(row: Int)
    case invalidOption(String, Double)

    public var description: String {
        switch self {
        case .shapeMismatch(let n, let d, let c):
            return "TSNE.embed: input has \(c) values, expected n·d = \(n)·\(d) = \(n * d)"
        case .tooFewPoints(let n): return "TSNE.embed: need at least 4 points, got \(n)"
        case .nonFiniteInput(let r): return "TSNE.embed: row \(r) of the input holds NaN or infinity"
        case .invalidOption(let name, let v): return "TSNEOptions.\(name): invalid value \(v)"
        }
    }
}

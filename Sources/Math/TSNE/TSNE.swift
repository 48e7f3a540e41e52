import Foundation

/// t-SNE as DESIGN §5 specifies it (openTSNE's schedule and update rule).
///
/// Pipeline: affinities (all pairs for n ≤ 1000, else exact k-NN, k = 3·perplexity) →
/// PCA start (std 1e-4) → early exaggeration (α = 12, momentum 0.5) → main phase (momentum 0.8),
/// with openTSNE's gains and a re-centred map after every step → final KL divergence.
public enum TSNE {
    public static func embed(_ x: [Double], n: Int, d: Int, options: TSNEOptions = TSNEOptions()) throws -> TSNEResult {
        guard x.count == n * d, d > 0 else { throw TSNEError.shapeMismatch(n: n, d: d, count: x.count) }
        try options.validate(n: n)
        for i in 0..<n { for c in 0..<d where !x[i * d + c].isFinite { throw TSNEError.nonFiniteInput(row: i) } }
        let t0 = Date()
        let threads = options.resolvedThreads
        let perplexity = options.effectivePerplexity(n: n)
        let p = TSNEAffinities.compute(x, n: n, d: d, perplexity: perplexity,
                                       allPairsMaxN: options.allPairsMaxN, threads: threads)
        var y = TSNEInitialization.pca(x, n: n, d: d, seed: options.seed)
        let optimizer = TSNEOptimizer(options: options, n: n)
        optimizer.run(&y, affinities: p, threads: threads)
        let (kl, exact) = klDivergence(of: y, affinities: p, exactMaxN: options.exactKLMaxN,
                                       theta: options.theta, threads: threads)
        return TSNEResult(n: n, embedding: y, klDivergence: kl, klIsExact: exact,
                          iterations: options.exaggerationIterations + options.iterations,
                          seconds: Date().timeIntervalSince(t0), effectivePerplexity: perplexity,
                          learningRate: optimizer.learningRate, neighborMethod: p.neighborMethod,
                          gradientMethod: optimizer.method, options: options)
    }

    public static func embed(_ x: [Float], n: Int, d: Int, options: TSNEOptions = TSNEOptions()) throws -> TSNEResult {
        try embed(x.map(Double.init), n: n, d: d, options: options)
    }

    /// `x` must be 2-D `[n, d]`.
    public static func embed(_ x: Tensor, options: TSNEOptions = TSNEOptions()) throws -> TSNEResult {
        try embed(x.data, n: x.rows, d: x.cols, options: options)
    }

    /// P for `x` at the given perplexity (already capped by the caller if desired).
    public static func affinities(_ x: [Double], n: Int, d: Int, perplexity: Double,
                                  allPairsMaxN: Int = 1000, threads: Int = 0) -> TSNEAffinities {
        TSNEAffinities.compute(x, n: n, d: d, perplexity: perplexity, allPairsMaxN: allPairsMaxN,
                               threads: threads > 0 ? threads : max(1, Compute.threads))
    }

    /// KL(P ‖ Q) of a map `y` (row-major [n, 2]); exact normaliser up to `exactMaxN` points,
    /// Barnes-Hut estimate above. Returns (KL, isExact). Lets two maps be scored against one P.
    public static func klDivergence(of y: [Double], affinities p: TSNEAffinities, exactMaxN: Int = 5000,
                                    theta: Double = 0.5, threads: Int = 0) -> (Double, Bool) {
        let t = threads > 0 ? threads : max(1, Compute.threads)
        if p.n <= exactMaxN {
            let z = TSNEGradient.exactNormalizer(y, n: p.n, threads: t)
            return (TSNEGradient.klDivergence(y, affinities: p, z: z, threads: t), true)
        }
        var rep = [Double](repeating: 0, count: 2 * p.n)
        let z = TSNEQuadTree(y, n: p.n).repulsion(theta: theta, threads: t, into: &rep)
        return (TSNEGradient.klDivergence(y, affinities: p, z: z, threads: t), false)
    }
}

/// Gradient descent with momentum and openTSNE's gains (delta-bar-delta): a coordinate whose
/// update sign differs from its gradient's gains +0.2, otherwise gain·0.8 + minGain. The update
/// buffer and gains carry over from early exaggeration into the main phase, as in openTSNE.
struct TSNEOptimizer {
    let options: TSNEOptions
    let n: Int
    let learningRate: Double
    let method: TSNEGradientMethod

    init(options: TSNEOptions, n: Int) {
        self.options = options; self.n = n
        learningRate = options.learningRate.resolved(n: n)
        method = n <= options.exactGradientMaxN ? .exact : .barnesHut
    }

    func gradient(_ y: [Double], _ p: TSNEAffinities, exaggeration: Double, threads: Int, into g: inout [Double]) {
        switch method {
        case .exact: _ = TSNEGradient.exact(y, affinities: p, exaggeration: exaggeration, threads: threads, into: &g)
        case .barnesHut:
            _ = TSNEGradient.barnesHut(y, affinities: p, exaggeration: exaggeration, theta: options.theta,
                                       threads: threads, into: &g)
        }
    }

    func run(_ y: inout [Double], affinities p: TSNEAffinities, threads: Int) {
        var update = [Double](repeating: 0, count: 2 * n)
        var gains = [Double](repeating: 1, count: 2 * n)
        var grad = [Double](repeating: 0, count: 2 * n)
        let phases = [(options.exaggerationIterations, options.exaggeration, options.initialMomentum),
                      (options.iterations, 1.0, options.finalMomentum)]
        let lr = learningRate, minGain = options.minGain
        for (steps, alpha, momentum) in phases {
            for _ in 0..<steps {
                gradient(y, p, exaggeration: alpha, threads: threads, into: &grad)
                var mx = 0.0, my = 0.0
                for k in 0..<(2 * n) {
                    let g = grad[k]
                    if sign(update[k]) != sign(g) { gains[k] += 0.2 } else { gains[k] = gains[k] * 0.8 + minGain }
                    update[k] = momentum * update[k] - lr * gains[k] * g
                    y[k] += update[k]
                    if k & 1 == 0 { mx += y[k] } else { my += y[k] }
                }
                mx /= Double(n); my /= Double(n)
                for i in 0..<n { y[2 * i] -= mx; y[2 * i + 1] -= my }
            }
        }
    }

    /// numpy's sign: −1, 0 or +1.
    @inline(__always) private func sign(_ v: Double) -> Int { v > 0 ? 1 : (v < 0 ? -1 : 0) }
}

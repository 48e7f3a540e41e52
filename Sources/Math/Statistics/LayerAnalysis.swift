/// From a merged main pass to a `LayerResult` (DESIGN §4.3–§4.6). Runs on the coordinator.
public enum LayerAnalysis {
    public static func analyze(_ main: MainPassAccumulator, options: StatisticsOptions) throws -> LayerResult {
        try options.validate()
        guard options.groups == main.groups, options.seed == main.seed, options.bins == main.bins else {
            throw StatisticsError.incompatible("LayerAnalysis: options (groups/seed/bins) differ from the accumulator's")
        }
        guard !main.overflowed else {
            throw StatisticsError.overflow("LayerAnalysis: main-pass fixed-point or count overflow")
        }
        let cal = main.calibration, r = main.components, w = main.bins + 2, g = main.groups
        let positive = cal.eigenvalues.map { max($0, 0) }
        let lambdaSum = positive.reduce(0, +)
        let weights: [Double]? = lambdaSum > 0 ? positive.map { $0 / lambdaSum } : nil

        // Per-group histograms as [m][g] slices of r·(B+2) counts.
        let cell = r * w
        func pooled(_ m: Modality, multiplicity: [Int], parity: Int?) -> [Int64] {
            var out = [Int64](repeating: 0, count: cell)
            main.histogram.withUnsafeBufferPointer { h in
                for grp in 0..<g where multiplicity[grp] > 0 && (parity == nil || grp % 2 == parity!) {
                    let base = (Int(m.rawValue) * g + grp) * cell, c = Int64(multiplicity[grp])
                    for i in 0..<cell { out[i] += c * h[base + i] }
                }
            }
            return out
        }
        func perComponent(_ a: [Int64], _ b: [Int64]) -> [Double?] {
            a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
                (0..<r).map { j in
                    Divergence.jsd(UnsafeBufferPointer(rebasing: pa[(j * w)..<((j + 1) * w)]),
                                   UnsafeBufferPointer(rebasing: pb[(j * w)..<((j + 1) * w)]))
                }
            } }
        }
        func score(_ v: [Double?]) -> LayerResult.Score {
            let defined = v.compactMap { $0 }
            let mean = defined.isEmpty ? nil : defined.reduce(0, +) / Double(defined.count)
            var weighted: Double?
            if let weights, defined.count == v.count, !v.isEmpty {
                weighted = zip(weights, defined).reduce(0) { $0 + $1.0 * $1.1 }
            }
            return LayerResult.Score(weighted: weighted, mean: mean)
        }
        func scores(_ multiplicity: [Int]) -> (inter: [Double?], intraImage: [Double?], intraText: [Double?]) {
            let inter = perComponent(pooled(.image, multiplicity: multiplicity, parity: nil),
                                     pooled(.text, multiplicity: multiplicity, parity: nil))
            let ii = perComponent(pooled(.image, multiplicity: multiplicity, parity: 0),
                                  pooled(.image, multiplicity: multiplicity, parity: 1))
            let it = perComponent(pooled(.text, multiplicity: multiplicity, parity: 0),
                                  pooled(.text, multiplicity: multiplicity, parity: 1))
            return (inter, ii, it)
        }

        let ones = [Int](repeating: 1, count: g)
        let observed = scores(ones)

        // Group bootstrap.
        var interDraws: [Double] = [], imageDraws: [Double] = [], textDraws: [Double] = []
        var hits = 0
        for draw in 0..<options.bootstrapDraws {
            var multiplicity = [Int](repeating: 0, count: g)
            for slot in 0..<g { multiplicity[StatHash.bootstrapGroup(seed: main.seed, draw: draw, slot: slot, groups: g)] += 1 }
            let s = scores(multiplicity)
            let inter = score(s.inter).weighted
            let ii = score(s.intraImage).weighted, it = score(s.intraText).weighted
            guard let inter, ii != nil || it != nil else { hits += 1; continue }
            if inter <= max(ii ?? -.infinity, it ?? -.infinity) { hits += 1 }
            interDraws.append(inter)
            if let ii { imageDraws.append(ii) }
            if let it { textDraws.append(it) }
        }
        func interval(_ v: [Double]) -> [Double]? {
            guard let lo = Divergence.percentile(v, 2.5), let hi = Divergence.percentile(v, 97.5) else { return nil }
            return [lo, hi]
        }
        let bootstrap = LayerResult.Bootstrap(
            draws: options.bootstrapDraws, validDraws: interDraws.count,
            pValue: Double(1 + hits) / Double(1 + options.bootstrapDraws),
            interInterval: interval(interDraws), intraImageInterval: interval(imageDraws), intraTextInterval: interval(textDraws))

        // Gaussian summary from the exact moments.
        let gaussians = Modality.allCases.map { moments(main, $0) }
        var gaussian = LayerResult.Gaussian(frechet: nil, symmetricKL: nil, imageMean: gaussians[1]?.mean,
                                            textMean: gaussians[0]?.mean, imageCovariance: gaussians[1]?.cov,
                                            textCovariance: gaussians[0]?.cov)
        if let a = gaussians[1], let b = gaussians[0] {
            let f = try GaussianSummary.frechet(meanA: a.mean, covA: a.cov, meanB: b.mean, covB: b.cov)
            gaussian.frechet = f.isFinite ? f : nil
            gaussian.symmetricKL = GaussianSummary.symmetricKL(meanA: a.mean, covA: a.cov, meanB: b.mean, covB: b.cov)
        }

        // MMD on the subsample: image then text, each ascending by token hash.
        let image = main.subsample[1].sorted, text = main.subsample[0].sorted
        let x = image.flatMap { $0.y.map(Double.init) }, y = text.flatMap { $0.y.map(Double.init) }
        let test = MMD.test(x: x, n: image.count, y: y, m: text.count, dim: r,
                            permutations: options.permutationDraws, seed: main.seed)
        let mmd = LayerResult.MMDSummary(mmd2: test?.mmd2, bandwidth: test?.bandwidth, pValue: test?.pValue,
                                         permutations: options.permutationDraws,
                                         subsample: .init(image: image.count, text: text.count))

        return LayerResult(
            components: r, eigenvalues: cal.eigenvalues, weights: weights,
            tokens: .init(image: Int(main.tokenCount(.image)), text: Int(main.tokenCount(.text))),
            excludedTokens: .init(image: Int(main.excludedTokens[1]), text: Int(main.excludedTokens[0])),
            calibrationTokens: cal.count, calibrationExcludedTokens: cal.excludedTokens,
            interJSD: observed.inter, intraImageJSD: observed.intraImage, intraTextJSD: observed.intraText,
            inter: score(observed.inter), intraImage: score(observed.intraImage), intraText: score(observed.intraText),
            bootstrap: bootstrap, gaussian: gaussian, mmd: mmd)
    }

    /// Mean and covariance (divisor n) of y for one modality, from the exact merged moments.
    static func moments(_ main: MainPassAccumulator, _ m: Modality) -> (mean: [Double], cov: [Double])? {
        let r = main.components, g = main.groups, tri = r * (r + 1) / 2, mi = Int(m.rawValue)
        var n: Int64 = 0
        var s = [Int128](repeating: 0, count: r), q = [Int128](repeating: 0, count: tri)
        for grp in 0..<g {
            let c = mi * g + grp
            n += main.momentCount[c]
            for j in 0..<r { s[j] &+= main.momentSum[c * r + j] }
            for p in 0..<tri { q[p] &+= main.momentSquares[c * tri + p] }
        }
        guard n > 0 else { return nil }
        let nn = Double(n)
        let mean = s.map { ExactSum.double($0) / nn }
        var cov = [Double](repeating: 0, count: r * r)
        var p = 0
        for i in 0..<r {
            for j in i..<r {
                let v = ExactSum.double(q[p]) / nn - mean[i] * mean[j]
                cov[i * r + j] = v; cov[j * r + i] = v
                p += 1
            }
        }
        return (mean, cov)
    }
}

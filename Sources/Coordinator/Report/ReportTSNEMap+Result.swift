import Math

extension ReportTSNEMap {
    /// A report map from a `TSNE.embed` result; the per-point labels are in the order of the rows
    /// given to t-SNE (DESIGN §5: image subsample then text subsample, or any order the caller used).
    public init(layer: Int, result: TSNEResult, modalities: [ReportModality], sampleIDs: [String], tokenIndices: [Int]) {
        precondition(modalities.count == result.n && sampleIDs.count == result.n && tokenIndices.count == result.n,
                     "ReportTSNEMap: \(result.n) points but \(modalities.count)/\(sampleIDs.count)/\(tokenIndices.count) labels")
        let points = (0..<result.n).map { i in
            ReportTSNEPoint(x: result.embedding[2 * i], y: result.embedding[2 * i + 1], modality: modalities[i],
                            sampleID: sampleIDs[i], tokenIndex: tokenIndices[i])
        }
        self.init(layer: layer, points: points, klDivergence: result.klDivergence, klIsExact: result.klIsExact,
                  perplexity: result.effectivePerplexity, iterations: result.iterations, seed: result.options.seed)
    }
}

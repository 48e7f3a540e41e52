import Math

/// Deterministic keys without a model: for tests and benchmarks of the distributed pipeline.
///
/// Each sample has `imageTokens` image tokens followed by `textTokens` text tokens; keys are Gaussian
/// with a modality-dependent mean shift so that inter-modal divergence is clearly above the baselines.
public struct SyntheticKeyProvider: KeyProvider {
    public var width: Int
    public var imageTokens: Int
    public var textTokens: Int
    /// Sample ids for which the provider reports `SampleUnusable` (to test exclusion).
    public var unusable: Set<String>

    public init(width: Int = 16, imageTokens: Int = 12, textTokens: Int = 8, unusable: Set<String> = []) {
        self.width = width; self.imageTokens = imageTokens; self.textTokens = textTokens; self.unusable = unusable
    }

    public func keys(sampleID: String, layers: [Int], variants: [RopeVariant]) throws -> SampleKeys {
        if unusable.contains(sampleID) { throw SampleUnusable("synthetic: sample marked unusable") }
        let t = imageTokens + textTokens
        let modality = [Modality](repeating: .image, count: imageTokens) + [Modality](repeating: .text, count: textTokens)
        var out: [RopeVariant: [Int: Tensor]] = [:]
        for v in variants {
            var perLayer: [Int: Tensor] = [:]
            for l in layers {
                var rng = SplitMix64(seed: StatHash.sampleHash(seed: UInt64(l) &* 31 &+ (v == .post ? 7 : 0), sampleId: sampleID))
                var data = [Float](repeating: 0, count: t * width)
                for i in 0..<t {
                    let shift: Double = modality[i] == .image ? 0.8 * Double(l + 1) : 0
                    for j in 0..<width { data[i * width + j] = Float(rng.nextGaussian() + (j % 3 == 0 ? shift : 0)) }
                }
                perLayer[l] = Tensor(shape: [t, width], data: data)
            }
            out[v] = perLayer
        }
        let question = (0..<t).map { $0 >= imageTokens + textTokens / 2 }
        return SampleKeys(modality: modality, isQuestion: question, keys: out)
    }
}

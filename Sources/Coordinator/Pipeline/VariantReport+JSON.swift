import Foundation
import Math
import Protocol

// The JSON shape of report.json (docs/report-schema.md): `settings` once at the top, then per layer the
// blocks a reader looks for by name — `tokens`, `pca`, `jsd` (scores, per-component values, bootstrap ci95
// and p-value), `gaussian`, `mmd2` — with every other number of `LayerResult` kept next to them. Undefined
// values are written as JSON null (explicitly, never omitted), so a reader can tell "undefined" from
// "missing". Decoding reads exactly what encoding writes (tests round-trip it).

extension VariantReport {
    enum CodingKeys: String, CodingKey { case settings, variant, run, layers }
    enum SettingsKeys: String, CodingKey {
        case seed, calibration, pcaDims = "pca_dims", bins, groups, bootstrap, permutations, subsample, rope
        case textTokens = "text_tokens", threads, keyHeads = "key_heads"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        var s = c.nestedContainer(keyedBy: SettingsKeys.self, forKey: .settings)
        let o = run.statistics
        try s.encode(o.seed, forKey: .seed); try s.encode(o.calibrationSamples, forKey: .calibration)
        try s.encode(o.components, forKey: .pcaDims); try s.encode(o.bins, forKey: .bins)
        try s.encode(o.groups, forKey: .groups); try s.encode(o.bootstrapDraws, forKey: .bootstrap)
        try s.encode(o.permutationDraws, forKey: .permutations); try s.encode(o.subsampleSize, forKey: .subsample)
        try s.encode(variant, forKey: .rope); try s.encode(run.textTokens, forKey: .textTokens)
        try s.encode(run.threads, forKey: .threads); try s.encode(run.keyHeads, forKey: .keyHeads)
        try c.encode(variant, forKey: .variant)
        try c.encode(run, forKey: .run)
        try c.encode(layers, forKey: .layers)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let s = try c.nestedContainer(keyedBy: SettingsKeys.self, forKey: .settings)
        let options = StatisticsOptions(
            components: try s.decode(Int.self, forKey: .pcaDims), bins: try s.decode(Int.self, forKey: .bins),
            groups: try s.decode(Int.self, forKey: .groups), bootstrapDraws: try s.decode(Int.self, forKey: .bootstrap),
            permutationDraws: try s.decode(Int.self, forKey: .permutations),
            subsampleSize: try s.decode(Int.self, forKey: .subsample),
            calibrationSamples: try s.decode(Int.self, forKey: .calibration), seed: try s.decode(UInt64.self, forKey: .seed))
        let partial = try c.decode(RunFields.self, forKey: .run)
        variant = try c.decode(RopeVariant.self, forKey: .variant)
        run = Run(runID: partial.runID, keyscopeVersion: partial.keyscopeVersion, model: partial.model,
                  modelDescription: partial.modelDescription, data: partial.data, inputHashes: partial.inputHashes,
                  samples: partial.samples, excludedSamples: partial.excludedSamples, statistics: options,
                  threads: try s.decode(Int.self, forKey: .threads), textTokens: try s.decode(String.self, forKey: .textTokens),
                  keyHeads: try s.decodeIfPresent(Int.self, forKey: .keyHeads))
        layers = try c.decode([Layer].self, forKey: .layers)
    }

    /// `run` as written: everything but the settings.
    private struct RunFields: Decodable {
        var runID: String, keyscopeVersion: String, model: String, modelDescription: String, data: String
        var inputHashes: [String: String], samples: Int, excludedSamples: [ExcludedSample]
        enum CodingKeys: String, CodingKey {
            case runID = "run_id", keyscopeVersion = "keyscope_version", model, modelDescription = "model_description"
            case data, inputHashes = "input_hashes", samples, excludedSamples = "excluded_samples"
        }
    }
}

extension VariantReport.Run {
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(runID, forKey: .runID); try c.encode(keyscopeVersion, forKey: .keyscopeVersion)
        try c.encode(model, forKey: .model); try c.encode(modelDescription, forKey: .modelDescription)
        try c.encode(data, forKey: .data); try c.encode(inputHashes, forKey: .inputHashes)
        try c.encode(samples, forKey: .samples); try c.encode(excludedSamples, forKey: .excludedSamples)
    }
}

extension VariantReport.Layer: Codable {
    enum Keys: String, CodingKey {
        case layer, head, heads, tokens, excludedTokens = "excluded_tokens", calibrationTokens = "calibration_tokens"
        case calibrationExcludedTokens = "calibration_excluded_tokens", pca, jsd, gaussian, mmd2
    }
    enum PCAKeys: String, CodingKey { case components, eigenvalues, weights }
    enum JSDKeys: String, CodingKey {
        case inter, interUnweighted = "inter_unweighted", intraImage = "intra_image"
        case intraImageUnweighted = "intra_image_unweighted", intraText = "intra_text"
        case intraTextUnweighted = "intra_text_unweighted", perComponent = "per_component", ci95, pValue = "p_value"
        case bootstrapDraws = "bootstrap_draws", bootstrapValidDraws = "bootstrap_valid_draws"
    }
    enum PairKeys: String, CodingKey { case inter, intraImage = "intra_image", intraText = "intra_text" }
    enum GaussianKeys: String, CodingKey {
        case frechet, symKL = "sym_kl", imageMean = "image_mean", textMean = "text_mean"
        case imageCovariance = "image_covariance", textCovariance = "text_covariance"
    }
    enum MMDKeys: String, CodingKey { case value, pValue = "p_value", bandwidth, permutations, subsample }

    public func encode(to encoder: Encoder) throws {
        let r = result
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(layer, forKey: .layer); try c.encode(r.tokens, forKey: .tokens)
        // Present only in --per-head runs, so whole-layer reports keep their bytes.
        try c.encodeIfPresent(head, forKey: .head); try c.encodeIfPresent(heads, forKey: .heads)
        try c.encode(r.excludedTokens, forKey: .excludedTokens)
        try c.encode(r.calibrationTokens, forKey: .calibrationTokens)
        try c.encode(r.calibrationExcludedTokens, forKey: .calibrationExcludedTokens)
        var p = c.nestedContainer(keyedBy: PCAKeys.self, forKey: .pca)
        try p.encode(r.components, forKey: .components); try p.encode(r.eigenvalues, forKey: .eigenvalues)
        try p.encode(r.weights, forKey: .weights)
        var j = c.nestedContainer(keyedBy: JSDKeys.self, forKey: .jsd)
        try j.encode(r.inter.weighted, forKey: .inter); try j.encode(r.inter.mean, forKey: .interUnweighted)
        try j.encode(r.intraImage.weighted, forKey: .intraImage); try j.encode(r.intraImage.mean, forKey: .intraImageUnweighted)
        try j.encode(r.intraText.weighted, forKey: .intraText); try j.encode(r.intraText.mean, forKey: .intraTextUnweighted)
        var pc = j.nestedUnkeyedContainer(forKey: .perComponent)
        for k in 0..<r.interJSD.count {
            var e = pc.nestedContainer(keyedBy: PairKeys.self)
            try e.encode(r.interJSD[k], forKey: .inter); try e.encode(r.intraImageJSD[k], forKey: .intraImage)
            try e.encode(r.intraTextJSD[k], forKey: .intraText)
        }
        var ci = j.nestedContainer(keyedBy: PairKeys.self, forKey: .ci95)
        try ci.encode(r.bootstrap.interInterval, forKey: .inter)
        try ci.encode(r.bootstrap.intraImageInterval, forKey: .intraImage)
        try ci.encode(r.bootstrap.intraTextInterval, forKey: .intraText)
        try j.encode(r.bootstrap.pValue, forKey: .pValue); try j.encode(r.bootstrap.draws, forKey: .bootstrapDraws)
        try j.encode(r.bootstrap.validDraws, forKey: .bootstrapValidDraws)
        var g = c.nestedContainer(keyedBy: GaussianKeys.self, forKey: .gaussian)
        try g.encode(r.gaussian.frechet, forKey: .frechet); try g.encode(r.gaussian.symmetricKL, forKey: .symKL)
        try g.encode(r.gaussian.imageMean, forKey: .imageMean); try g.encode(r.gaussian.textMean, forKey: .textMean)
        try g.encode(r.gaussian.imageCovariance, forKey: .imageCovariance)
        try g.encode(r.gaussian.textCovariance, forKey: .textCovariance)
        var m = c.nestedContainer(keyedBy: MMDKeys.self, forKey: .mmd2)
        try m.encode(r.mmd.mmd2, forKey: .value); try m.encode(r.mmd.pValue, forKey: .pValue)
        try m.encode(r.mmd.bandwidth, forKey: .bandwidth); try m.encode(r.mmd.permutations, forKey: .permutations)
        try m.encode(r.mmd.subsample, forKey: .subsample)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let p = try c.nestedContainer(keyedBy: PCAKeys.self, forKey: .pca)
        let j = try c.nestedContainer(keyedBy: JSDKeys.self, forKey: .jsd)
        var pc = try j.nestedUnkeyedContainer(forKey: .perComponent)
        var inter: [Double?] = [], image: [Double?] = [], text: [Double?] = []
        while !pc.isAtEnd {
            let e = try pc.nestedContainer(keyedBy: PairKeys.self)
            inter.append(try e.decode(Double?.self, forKey: .inter))
            image.append(try e.decode(Double?.self, forKey: .intraImage))
            text.append(try e.decode(Double?.self, forKey: .intraText))
        }
        let ci = try j.nestedContainer(keyedBy: PairKeys.self, forKey: .ci95)
        let g = try c.nestedContainer(keyedBy: GaussianKeys.self, forKey: .gaussian)
        let m = try c.nestedContainer(keyedBy: MMDKeys.self, forKey: .mmd2)
        func score(_ w: JSDKeys, _ u: JSDKeys) throws -> LayerResult.Score {
            LayerResult.Score(weighted: try j.decode(Double?.self, forKey: w), mean: try j.decode(Double?.self, forKey: u))
        }
        layer = try c.decode(Int.self, forKey: .layer)
        head = try c.decodeIfPresent(Int.self, forKey: .head)
        heads = try c.decodeIfPresent([VariantReport.Layer].self, forKey: .heads)
        result = LayerResult(
            components: try p.decode(Int.self, forKey: .components), eigenvalues: try p.decode([Double].self, forKey: .eigenvalues),
            weights: try p.decode([Double]?.self, forKey: .weights), tokens: try c.decode(LayerResult.Counts.self, forKey: .tokens),
            excludedTokens: try c.decode(LayerResult.Counts.self, forKey: .excludedTokens),
            calibrationTokens: try c.decode(Int.self, forKey: .calibrationTokens),
            calibrationExcludedTokens: try c.decode(Int.self, forKey: .calibrationExcludedTokens),
            interJSD: inter, intraImageJSD: image, intraTextJSD: text,
            inter: try score(.inter, .interUnweighted), intraImage: try score(.intraImage, .intraImageUnweighted),
            intraText: try score(.intraText, .intraTextUnweighted),
            bootstrap: LayerResult.Bootstrap(
                draws: try j.decode(Int.self, forKey: .bootstrapDraws), validDraws: try j.decode(Int.self, forKey: .bootstrapValidDraws),
                pValue: try j.decode(Double.self, forKey: .pValue), interInterval: try ci.decode([Double]?.self, forKey: .inter),
                intraImageInterval: try ci.decode([Double]?.self, forKey: .intraImage),
                intraTextInterval: try ci.decode([Double]?.self, forKey: .intraText)),
            gaussian: LayerResult.Gaussian(
                frechet: try g.decode(Double?.self, forKey: .frechet), symmetricKL: try g.decode(Double?.self, forKey: .symKL),
                imageMean: try g.decode([Double]?.self, forKey: .imageMean), textMean: try g.decode([Double]?.self, forKey: .textMean),
                imageCovariance: try g.decode([Double]?.self, forKey: .imageCovariance),
                textCovariance: try g.decode([Double]?.self, forKey: .textCovariance)),
            mmd: LayerResult.MMDSummary(
                mmd2: try m.decode(Double?.self, forKey: .value), bandwidth: try m.decode(Double?.self, forKey: .bandwidth),
                pValue: try m.decode(Double?.self, forKey: .pValue), permutations: try m.decode(Int.self, forKey: .permutations),
                subsample: try m.decode(LayerResult.Counts.self, forKey: .subsample)))
    }
}

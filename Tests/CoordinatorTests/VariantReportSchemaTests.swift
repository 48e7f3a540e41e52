import Foundation
import Math
import Protocol
import Testing
@testable import Coordinator

/// report.json's layout is an interface (docs/report-schema.md): other tools read it by key.
@Suite struct VariantReportSchemaTests {
    static func report() -> VariantReport {
        let result = LayerResult(
            components: 3, eigenvalues: [2.0, 1.0, 0.0], weights: [2.0 / 3, 1.0 / 3, 0],
            tokens: .init(image: 576, text: 40), excludedTokens: .init(image: 0, text: 2),
            calibrationTokens: 1000, calibrationExcludedTokens: 1,
            interJSD: [0.3, nil, 0.1], intraImageJSD: [0.01, 0.02, nil], intraTextJSD: [0.02, 0.03, 0.04],
            inter: .init(weighted: 0.25, mean: 0.2), intraImage: .init(weighted: 0.012, mean: nil),
            intraText: .init(weighted: 0.021, mean: 0.03),
            bootstrap: .init(draws: 100, validDraws: 99, pValue: 0.01, interInterval: [0.2, 0.3], intraImageInterval: nil,
                             intraTextInterval: [0.01, 0.04]),
            gaussian: .init(frechet: 3.5, symmetricKL: nil, imageMean: [0, 1, 2], textMean: nil, imageCovariance: nil, textCovariance: nil),
            mmd: .init(mmd2: 0.05, bandwidth: 1.5, pValue: 0.002, permutations: 100, subsample: .init(image: 50, text: 40)))
        let options = StatisticsOptions(components: 3, bins: 16, groups: 8, bootstrapDraws: 100, permutationDraws: 100,
                                        subsampleSize: 50, calibrationSamples: 12, seed: 7)
        let run = VariantReport.Run(runID: "r1", keyscopeVersion: "0.1.0", model: "m", modelDescription: "tiny", data: "d.jsonl",
                                    inputHashes: ["model": "xxh64:1"], samples: 3,
                                    excludedSamples: [ExcludedSample(sampleID: "s9", reason: "image truncated")],
                                    statistics: options, threads: 1, textTokens: "all")
        return VariantReport(variant: .post, run: run, layers: [.init(layer: 4, result: result)])
    }

    @Test func hasTheDocumentedKeysWithExplicitNulls() throws {
        let json = try #require(try JSONSerialization.jsonObject(with: try Self.report().jsonData()) as? [String: Any])
        let settings = try #require(json["settings"] as? [String: Any])
        for key in ["seed", "calibration", "pca_dims", "bins", "groups", "bootstrap", "permutations", "subsample", "rope",
                    "text_tokens", "threads"] {
            #expect(settings[key] != nil, "settings.\(key)")
        }
        #expect(settings["rope"] as? String == "post")
        #expect(settings["pca_dims"] as? Int == 3)
        let layer = try #require((json["layers"] as? [[String: Any]])?.first)
        #expect(layer["layer"] as? Int == 4)
        #expect((layer["tokens"] as? [String: Int]) == ["image": 576, "text": 40])
        #expect(((layer["pca"] as? [String: Any])?["eigenvalues"] as? [Double]) == [2, 1, 0])
        let jsd = try #require(layer["jsd"] as? [String: Any])
        #expect(jsd["inter"] as? Double == 0.25)
        #expect(jsd["inter_unweighted"] as? Double == 0.2)
        #expect(jsd["intra_image"] as? Double == 0.012)
        #expect(jsd["intra_image_unweighted"] is NSNull)
        #expect(jsd["p_value"] as? Double == 0.01)
        let perComponent = try #require(jsd["per_component"] as? [[String: Any]])
        #expect(perComponent.count == 3)
        #expect(perComponent[1]["inter"] is NSNull)
        #expect(perComponent[2]["intra_text"] as? Double == 0.04)
        let ci = try #require(jsd["ci95"] as? [String: Any])
        #expect(ci["inter"] as? [Double] == [0.2, 0.3])
        #expect(ci["intra_image"] is NSNull)
        let gaussian = try #require(layer["gaussian"] as? [String: Any])
        #expect(gaussian["frechet"] as? Double == 3.5)
        #expect(gaussian["sym_kl"] is NSNull)
        let mmd = try #require(layer["mmd2"] as? [String: Any])
        #expect(mmd["value"] as? Double == 0.05)
        #expect(mmd["p_value"] as? Double == 0.002)
    }

    @Test func decodingGivesBackTheSameBytesAndValues() throws {
        let original = Self.report()
        let bytes = try original.jsonData()
        let back = try JSONDecoder().decode(VariantReport.self, from: bytes)
        #expect(back.layers.map(\.result) == original.layers.map(\.result))
        #expect(back.run.statistics == original.run.statistics)
        #expect(try back.jsonData() == bytes)
    }
}

import Foundation
@testable import Coordinator

/// A small but complete report input: two variants, undefined values in every place that can
/// hold one, and user strings with markup characters.
enum ReportFixtures {
    static let nastyID = "img<01>&\"q\",x"

    static func input(layers: [Int] = [0, 1, 2, 3, 5], components: Int = 4, points: Int = 40) -> ReportInput {
        let header = ReportHeader(title: "keyscope report", model: "llava-1.5-7b-hf <test>", dataset: "coco & friends",
                                  datasetHash: "xxh64:0123456789abcdef", layers: layers,
                                  options: [ReportKeyValue("rope", "pre,post"), ReportKeyValue("components", "\(components)")],
                                  version: "0.1.0", runID: "run-42", createdAt: "2026-12-01T21:00:00Z",
                                  timings: [ReportTiming("calibration", seconds: 12.5), ReportTiming("main pass", seconds: 3725)],
                                  workerCount: 3)
        func variant(_ name: String, _ title: String, shift: Double) -> ReportVariant {
            let ls = layers.enumerated().map { (k, l) -> ReportLayer in
                let base = 0.1 + 0.02 * Double(k) + shift
                // Layer index 2 has an undefined inter score (an empty side), component 1 of layer 0 too.
                let inter = k == 2 ? ReportEstimate.undefined : ReportEstimate(base, lower: base - 0.01, upper: base + 0.01)
                return ReportLayer(layer: l, inter: inter,
                                   intraImage: ReportEstimate(0.01, lower: 0.005, upper: 0.02),
                                   intraText: ReportEstimate(0.012, lower: nil, upper: nil),
                                   pValue: k == 2 ? nil : 1.0 / 1001, unweightedInter: base * 0.9,
                                   mmd2: k == 3 ? .nan : 0.05 * Double(k + 1), mmdPValue: 0.001,
                                   frechet: 2.5 + Double(k), symmetricKL: k == 1 ? nil : 4.0,
                                   componentJSD: (0..<components).map { j in (k == 0 && j == 1) ? nil : base / Double(j + 1) },
                                   imageTokens: 576, textTokens: 64)
            }
            let maps = layers.prefix(2).map { l in
                ReportTSNEMap(layer: l, points: (0..<points).map { i in
                    ReportTSNEPoint(x: cos(Double(i)) * Double(i), y: sin(Double(i)) * 3, modality: i % 3 == 0 ? .image : .text,
                                    sampleID: i == 0 ? nastyID : "s\(i / 4)", tokenIndex: i)
                }, klDivergence: 1.234, klIsExact: l == layers[0], perplexity: 30, iterations: 1000, seed: 7)
            }
            return ReportVariant(name: name, title: title, layers: ls, tsne: maps)
        }
        return ReportInput(header: header,
                           quarantinedUnits: [ReportQuarantinedUnit(unit: "u17 <batch 3>", attempts: 3, error: "worker lost & \"timeout\"")],
                           excludedSamples: [ReportExcludedSample(sampleID: nastyID, reason: "image <missing>"),
                                             ReportExcludedSample(sampleID: "s99", reason: "too long")],
                           variants: [variant("pre", "Pre-RoPE keys", shift: 0), variant("post", "Post-RoPE keys", shift: 0.05)])
    }
}

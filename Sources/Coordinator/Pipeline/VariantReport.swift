import Foundation
import Math
import Protocol

/// The machine-readable result of one RoPE variant (`report/<variant>_rope/report.json`).
public struct VariantReport: Codable, Sendable {
    public struct Run: Codable, Sendable {
        public var runID: String
        public var keyscopeVersion: String
        public var model: String
        public var modelDescription: String
        public var data: String
        public var inputHashes: [String: String]
        public var samples: Int
        public var excludedSamples: [ExcludedSample]
        public var statistics: StatisticsOptions
        public var threads: Int
        public var textTokens: String
        enum CodingKeys: String, CodingKey {
            case runID = "run_id", keyscopeVersion = "keyscope_version", model, modelDescription = "model_description"
            case data, inputHashes = "input_hashes", samples, excludedSamples = "excluded_samples", statistics, threads
            case textTokens = "text_tokens"
        }
    }
    public struct Layer: Codable, Sendable {
        public var layer: Int
        public var result: LayerResult
    }
    public var variant: RopeVariant
    public var run: Run
    public var layers: [Layer]

    public func jsonData() throws -> Data {
        let e = JSONEncoder(); e.outputFormatting = [.sortedKeys]
        return try e.encode(self)
    }
}

/// Phase 2's merged accumulators → one `VariantReport` per variant, plus the merged subsamples for t-SNE.
public enum RunAnalysis {
    public struct Output: Sendable {
        public var reports: [RopeVariant: VariantReport]
        /// Bottom-k subsample per (variant, layer), in canonical order: image first, then text, by token hash.
        public var subsamples: [RopeVariant: [Int: [(modality: Modality, entry: SubsampleEntry)]]]
    }

    public static func analyze(plan: RunPlan, merged: [String: MainPassAccumulator], excluded: [ExcludedSample]) throws -> Output {
        Compute.setThreads(plan.threads)
        let excludedIDs = Set(excluded.map(\.sampleID))
        let run = VariantReport.Run(runID: plan.runID, keyscopeVersion: plan.keyscopeVersion, model: plan.modelPath,
                                    modelDescription: plan.modelDescription, data: plan.dataPath,
                                    inputHashes: plan.inputHashes, samples: plan.sampleIDs.count - excludedIDs.count,
                                    excludedSamples: excluded.sorted { $0.sampleID < $1.sampleID },
                                    statistics: plan.statistics, threads: plan.threads, textTokens: plan.textTokens)
        var reports: [RopeVariant: VariantReport] = [:]
        var subs: [RopeVariant: [Int: [(modality: Modality, entry: SubsampleEntry)]]] = [:]
        for v in plan.variants {
            var layers: [VariantReport.Layer] = []
            for l in plan.layers {
                let name = RunUnitSpec.entryName(v, layer: l)
                guard let acc = merged[name] else { continue }
                layers.append(.init(layer: l, result: try LayerAnalysis.analyze(acc, options: plan.statistics)))
                let image = acc.subsample[Int(Modality.image.rawValue)].sorted.map { (Modality.image, $0) }
                let text = acc.subsample[Int(Modality.text.rawValue)].sorted.map { (Modality.text, $0) }
                subs[v, default: [:]][l] = image + text
            }
            reports[v] = VariantReport(variant: v, run: run, layers: layers)
        }
        return Output(reports: reports, subsamples: subs)
    }
}

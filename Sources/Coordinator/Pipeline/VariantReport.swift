import Foundation
import Math
import Protocol

/// The machine-readable result of one RoPE variant (`report/<variant>_rope/report.json`); its JSON shape
/// (`VariantReport+JSON.swift`) is documented in docs/report-schema.md.
public struct VariantReport: Codable, Sendable {
    public struct Run: Encodable, Sendable {
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
        /// `statistics`, `threads` and `text_tokens` are written under `settings` (see `VariantReport+JSON`).
        enum CodingKeys: String, CodingKey {
            case runID = "run_id", keyscopeVersion = "keyscope_version", model, modelDescription = "model_description"
            case data, inputHashes = "input_hashes", samples, excludedSamples = "excluded_samples"
        }
    }
    public struct Layer: Sendable {
        public var layer: Int
        public var result: LayerResult
    }
    public var variant: RopeVariant
    public var run: Run
    public var layers: [Layer]

    public init(variant: RopeVariant, run: Run, layers: [Layer]) {
        self.variant = variant; self.run = run; self.layers = layers
    }

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
        // Entries are independent; analyse them concurrently. Each one's BLAS calls run with the plan's
        // pinned thread count, so the bits do not depend on this concurrency.
        let entries = plan.variants.flatMap { v in plan.layers.compactMap { l in merged[RunUnitSpec.entryName(v, layer: l)].map { (v, l, $0) } } }
        let results = LockedBox([Int: Result<LayerResult, Error>]())
        DispatchQueue.concurrentPerform(iterations: entries.count) { i in
            let (_, _, acc) = entries[i]
            let r = Result { try LayerAnalysis.analyze(acc, options: plan.statistics) }
            results.mutate { $0[i] = r }
        }
        var reports: [RopeVariant: VariantReport] = [:]
        var subs: [RopeVariant: [Int: [(modality: Modality, entry: SubsampleEntry)]]] = [:]
        for v in plan.variants {
            var layers: [VariantReport.Layer] = []
            for (i, e) in entries.enumerated() where e.0 == v {
                layers.append(.init(layer: e.1, result: try results.value[i]!.get()))
                let image = e.2.subsample[Int(Modality.image.rawValue)].sorted.map { (Modality.image, $0) }
                let text = e.2.subsample[Int(Modality.text.rawValue)].sorted.map { (Modality.text, $0) }
                subs[v, default: [:]][e.1] = image + text
            }
            reports[v] = VariantReport(variant: v, run: run, layers: layers)
        }
        return Output(reports: reports, subsamples: subs)
    }
}

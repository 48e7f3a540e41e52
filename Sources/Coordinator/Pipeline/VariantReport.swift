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
        /// `--per-head`: KV heads each layer was also analysed by (settings.key_heads; null: whole layers only).
        public var keyHeads: Int? = nil
        /// `statistics`, `threads` and `text_tokens` are written under `settings` (see `VariantReport+JSON`).
        enum CodingKeys: String, CodingKey {
            case runID = "run_id", keyscopeVersion = "keyscope_version", model, modelDescription = "model_description"
            case data, inputHashes = "input_hashes", samples, excludedSamples = "excluded_samples"
        }
    }
    public struct Layer: Sendable {
        public var layer: Int
        /// Set on per-head results (entries of `heads`).
        public var head: Int?
        public var result: LayerResult
        /// `--per-head` runs: the same analysis for each KV head's `[T, head_dim]` keys, by head.
        public var heads: [Layer]?

        public init(layer: Int, head: Int? = nil, result: LayerResult, heads: [Layer]? = nil) {
            self.layer = layer; self.head = head; self.result = result; self.heads = heads
        }
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
                                    statistics: plan.statistics, threads: plan.threads, textTokens: plan.textTokens,
                                    keyHeads: plan.keyHeads)
        // Entries are independent; analyse them concurrently. Each one's BLAS calls run with the plan's
        // pinned thread count, so the bits do not depend on this concurrency.
        let entries = plan.variants.flatMap { v in plan.layers.compactMap { l in merged[RunUnitSpec.entryName(v, layer: l)].map { (v, l, $0) } } }
        // With --per-head, each (variant, layer) also has one entry per KV head: analysed the same way,
        // reported under the layer's `heads`; t-SNE uses whole layers only.
        let heads = plan.keyHeads ?? 0
        let headEntries: [(v: RopeVariant, layer: Int, head: Int, acc: MainPassAccumulator)] = entries.flatMap { e in
            (0..<heads).compactMap { h in merged[RunUnitSpec.entryName(e.0, layer: e.1, head: h)].map { (e.0, e.1, h, $0) } }
        }
        let accumulators = entries.map(\.2) + headEntries.map(\.acc)
        let results = LockedBox([Int: Result<LayerResult, Error>]())
        DispatchQueue.concurrentPerform(iterations: accumulators.count) { i in
            let r = Result { try LayerAnalysis.analyze(accumulators[i], options: plan.statistics) }
            results.mutate { $0[i] = r }
        }
        var reports: [RopeVariant: VariantReport] = [:]
        var subs: [RopeVariant: [Int: [(modality: Modality, entry: SubsampleEntry)]]] = [:]
        for v in plan.variants {
            var layers: [VariantReport.Layer] = []
            for (i, e) in entries.enumerated() where e.0 == v {
                var layer = VariantReport.Layer(layer: e.1, result: try results.value[i]!.get())
                if heads > 0 {
                    layer.heads = try headEntries.enumerated().filter { $0.element.v == v && $0.element.layer == e.1 }.map { k, h in
                        VariantReport.Layer(layer: e.1, head: h.head, result: try results.value[entries.count + k]!.get())
                    }
                }
                layers.append(layer)
                let image = e.2.subsample[Int(Modality.image.rawValue)].sorted.map { (Modality.image, $0) }
                let text = e.2.subsample[Int(Modality.text.rawValue)].sorted.map { (Modality.text, $0) }
                subs[v, default: [:]][e.1] = image + text
            }
            reports[v] = VariantReport(variant: v, run: run, layers: layers)
        }
        return Output(reports: reports, subsamples: subs)
    }
}

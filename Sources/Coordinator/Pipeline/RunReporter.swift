import Foundation
import Math
import Protocol

/// Writes `report/`: per variant `<variant>_rope/report.json`, then `report.html`, the CSVs and
/// `excluded_samples.csv`. t-SNE maps are computed here from the merged subsample (deterministic for a
/// given seed and the run's pinned thread count), so `keyscope report` reproduces them exactly.
public struct RunReporter {
    public enum TSNELayers: Sendable, Equatable {
        case none, all, defaults, list([Int])
        public init(_ text: String) throws {
            switch text {
            case "none": self = .none
            case "all": self = .all
            case "default": self = .defaults
            default:
                let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else {
                    throw RunReporterError.badOption("--tsne-layers: expected none, all, default or a list like 0,8,16; got \"\(text)\"")
                }
                self = .list(parts.map { $0! })
            }
        }
        func select(_ layers: [Int]) -> [Int] {
            switch self {
            case .none: return []
            case .all: return layers
            case .defaults:
                guard let first = layers.first, let last = layers.last else { return [] }
                return Array(Set([first, layers[layers.count / 2], last])).sorted()
            case .list(let l): return l.filter(layers.contains)
            }
        }
    }

    public struct RunInfo: Sendable {
        public var timings: [(String, Double)]
        public var workers: Int
        public var quarantined: [QuarantinedUnit]
        public var createdAt: String
        public init(timings: [(String, Double)], workers: Int, quarantined: [QuarantinedUnit], createdAt: String) {
            self.timings = timings; self.workers = workers; self.quarantined = quarantined; self.createdAt = createdAt
        }
    }

    public var tsneLayers: TSNELayers
    public var tsneOptions: TSNEOptions
    public init(tsneLayers: TSNELayers = .defaults, tsneOptions: TSNEOptions = TSNEOptions()) {
        self.tsneLayers = tsneLayers; self.tsneOptions = tsneOptions
    }

    /// Returns the path of `report.html`. `progress` receives one line per t-SNE map.
    @discardableResult
    public func write(plan: RunPlan, analysis: RunAnalysis.Output, info: RunInfo, to reportDir: URL,
                      progress: (String) -> Void = { _ in }) throws -> URL {
        Compute.setThreads(plan.threads)
        let fm = FileManager.default
        try fm.createDirectory(at: reportDir, withIntermediateDirectories: true)
        var variants: [ReportVariant] = []
        for v in plan.variants {
            guard let report = analysis.reports[v] else { continue }
            let dir = reportDir.appendingPathComponent(v.directoryName)
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
            try report.jsonData().write(to: dir.appendingPathComponent("report.json"), options: .atomic)
            var maps: [ReportTSNEMap] = []
            for layer in tsneLayers.select(report.layers.map(\.layer)) {
                guard let sub = analysis.subsamples[v]?[layer], sub.count >= 4 else { continue }
                let d = sub[0].entry.y.count
                var x = [Float](); x.reserveCapacity(sub.count * d)
                for s in sub { x.append(contentsOf: s.entry.y) }
                var o = tsneOptions; o.threads = plan.threads; o.seed = plan.statistics.seed
                let t0 = Date()
                let result = try TSNE.embed(x, n: sub.count, d: d, options: o)
                progress(String(format: "t-SNE %@-RoPE layer %d: %d points, KL %.4f (%@), %.1f s", v.rawValue, layer, sub.count,
                                result.klDivergence, result.klIsExact ? "exact" : "estimated", Date().timeIntervalSince(t0)))
                maps.append(ReportTSNEMap(layer: layer, result: result,
                                          modalities: sub.map { $0.modality == .image ? .image : .text },
                                          sampleIDs: sub.map(\.entry.sampleId), tokenIndices: sub.map(\.entry.tokenIndex)))
            }
            variants.append(ReportVariant(name: v.rawValue, title: v == .pre ? "Pre-RoPE keys" : "Post-RoPE keys",
                                          layers: report.layers.map(Self.reportLayer), tsne: maps))
        }
        let excluded = analysis.reports.values.first?.run.excludedSamples ?? []
        let options: [ReportKeyValue] = [
            .init("PCA components r", "\(plan.statistics.components)"), .init("bins B", "\(plan.statistics.bins)"),
            .init("groups G", "\(plan.statistics.groups)"), .init("bootstrap draws", "\(plan.statistics.bootstrapDraws)"),
            .init("permutations", "\(plan.statistics.permutationDraws)"), .init("subsample k", "\(plan.statistics.subsampleSize)"),
            .init("calibration samples C", "\(plan.statistics.calibrationSamples)"), .init("seed", "\(plan.statistics.seed)"),
            .init("text tokens", plan.textTokens), .init("threads per worker", "\(plan.threads)"),
            .init("samples per unit", "\(plan.samplesPerUnit)"), .init("samples", "\(plan.sampleIDs.count - excluded.count) used of \(plan.sampleIDs.count)"),
            .init("model", plan.modelDescription),
        ]
        let header = ReportHeader(model: plan.modelPath, dataset: plan.dataPath, datasetHash: plan.inputHashes["data"] ?? "",
                                  layers: plan.layers, options: options, version: plan.keyscopeVersion, runID: plan.runID,
                                  createdAt: info.createdAt, timings: info.timings.map { ReportTiming($0.0, seconds: $0.1) },
                                  workerCount: info.workers)
        let input = ReportInput(header: header,
                                quarantinedUnits: info.quarantined.map { ReportQuarantinedUnit(unit: "\($0.unitID)", attempts: $0.attempts, error: $0.lastError) },
                                excludedSamples: excluded.map { ReportExcludedSample(sampleID: $0.sampleID, reason: $0.reason) },
                                variants: variants)
        _ = try CSVReportWriter().writeAll(input, to: reportDir)
        var csv = "sample_id,reason\n"
        for e in excluded { csv += "\(Self.csvField(e.sampleID)),\(Self.csvField(e.reason))\n" }
        try Data(csv.utf8).write(to: reportDir.appendingPathComponent("excluded_samples.csv"), options: .atomic)
        return try HTMLReportWriter().write(input, to: reportDir)
    }

    static func reportLayer(_ l: VariantReport.Layer) -> ReportLayer {
        let r = l.result, b = r.bootstrap
        return ReportLayer(layer: l.layer,
                           inter: ReportEstimate(r.inter.weighted, lower: b.interInterval?.first, upper: b.interInterval?.last),
                           intraImage: ReportEstimate(r.intraImage.weighted, lower: b.intraImageInterval?.first, upper: b.intraImageInterval?.last),
                           intraText: ReportEstimate(r.intraText.weighted, lower: b.intraTextInterval?.first, upper: b.intraTextInterval?.last),
                           pValue: b.pValue, unweightedInter: r.inter.mean, mmd2: r.mmd.mmd2, mmdPValue: r.mmd.pValue,
                           frechet: r.gaussian.frechet, symmetricKL: r.gaussian.symmetricKL, componentJSD: r.interJSD,
                           imageTokens: r.tokens.image, textTokens: r.tokens.text)
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}

public enum RunReporterError: Error, CustomStringConvertible {
    case badOption(String)
    public var description: String { switch self { case .badOption(let m): return m } }
}

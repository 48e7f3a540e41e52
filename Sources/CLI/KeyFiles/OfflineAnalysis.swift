import Coordinator
import Foundation
import Math
import Worker

/// `keyscope analyze`'s core: the plan `keyscope run` would build for the captured inputs, executed in
/// process over a `KeyFileProvider`, reported into `<out>/<run-id>/report/` like a run directory.
struct OfflineAnalysis {
    var provider: KeyFileProvider
    var plan: RunPlan

    /// Builds the plan from the key directory's metadata; `layers`/`variants` nil means everything captured.
    init(provider: KeyFileProvider, runID: String, layers: [Int]?, variants: [RopeVariant]?, statistics: StatisticsOptions,
         threads: Int, samplesPerUnit: Int, textTokens: String, perHead: Bool = false) throws {
        let m = provider.metadata
        let layerList = layers ?? m.layers
        let variantList = variants ?? m.variants
        let missing = layerList.filter { !m.layers.contains($0) }
        guard missing.isEmpty else {
            throw KeyFileError.notCaptured("--layers \(missing): not in the key directory (captured layers \(m.layers))")
        }
        guard variantList.allSatisfy(m.variants.contains) else {
            throw KeyFileError.notCaptured("--rope \(variantList.map(\.rawValue)): the key directory holds \(m.variants.map(\.rawValue)) only")
        }
        self.provider = provider
        plan = RunPlan(runID: runID, keyscopeVersion: keyscopeVersion, modelPath: m.model, dataPath: m.data,
                       sampleIDs: m.samples.map(\.id), layers: layerList, variants: variantList, statistics: statistics,
                       threads: threads, samplesPerUnit: samplesPerUnit, textTokens: textTokens, inputHashes: m.inputHashes,
                       modelDescription: m.modelDescription)
        plan.keyHeads = perHead ? m.numKeyValueHeads : nil
    }

    /// Writes `plan.json` and `report/` into `runDirectory`; returns the analysis and `report.html`.
    func run(runDirectory: URL, reporter: RunReporter, progress: (String) -> Void) throws -> (RunAnalysis.Output, URL) {
        let fm = FileManager.default
        try fm.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        try plan.jsonData().write(to: runDirectory.appendingPathComponent("plan.json"), options: .atomic)
        let provider = self.provider
        let executor = StatisticsUnitExecutor { _ in provider }
        let started = Date()
        let analysis = try InProcessRun(plan: plan, executor: executor, workDirectory: runDirectory).run()
        let elapsed = Date().timeIntervalSince(started)
        let excluded = analysis.reports.values.first?.run.excludedSamples.count ?? 0
        let info = RunReporter.RunInfo(timings: [("statistics (in process)", elapsed)], workers: 0, quarantined: [],
                                       createdAt: ISO8601DateFormatter().string(from: started))
        progress(String(format: "statistics: %d samples (%d excluded) in %.1f s", plan.sampleIDs.count, excluded, elapsed))
        let html = try reporter.write(plan: plan, analysis: analysis, info: info,
                                      to: runDirectory.appendingPathComponent("report"), progress: progress)
        return (analysis, html)
    }
}

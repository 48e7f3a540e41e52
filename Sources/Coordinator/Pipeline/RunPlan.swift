import Foundation
import Math
import Protocol

/// The frozen plan of a run (`plan.json`): inputs (with hashes), options and the unit partition.
///
/// Units are a pure function of the plan: phase 1 covers the calibration set (DESIGN §4.1), phase 2
/// every sample, both in chunks of `samplesPerUnit` in dataset order. Unit ids are canonical: phase-1
/// ids come first, then phase 2, and merges run in id order.
public struct RunPlan: Codable, Sendable, Equatable {
    public var runID: String
    public var keyscopeVersion: String
    public var modelPath: String
    public var dataPath: String
    /// Every usable sample id of the dataset, in dataset order.
    public var sampleIDs: [String]
    public var layers: [Int]
    public var variants: [RopeVariant]
    public var statistics: StatisticsOptions
    public var threads: Int
    public var samplesPerUnit: Int
    public var textTokens: String
    /// XXH64 (hex) of every model-defining file and of the dataset, so `resume` can refuse changed inputs.
    public var inputHashes: [String: String]
    /// Free-form description of the model for the report (family, width, layers).
    public var modelDescription: String
    /// `--per-head`: the model's KV-head count; every layer is then also analysed per KV head
    /// (`RunUnitSpec.keyHeads`). nil (and absent from plan.json): whole layers only.
    public var keyHeads: Int?

    public init(runID: String, keyscopeVersion: String, modelPath: String, dataPath: String, sampleIDs: [String],
                layers: [Int], variants: [RopeVariant], statistics: StatisticsOptions, threads: Int,
                samplesPerUnit: Int, textTokens: String = "all", inputHashes: [String: String] = [:],
                modelDescription: String = "") {
        self.runID = runID; self.keyscopeVersion = keyscopeVersion; self.modelPath = modelPath
        self.dataPath = dataPath; self.sampleIDs = sampleIDs; self.layers = layers; self.variants = variants
        self.statistics = statistics; self.threads = threads; self.samplesPerUnit = max(1, samplesPerUnit)
        self.textTokens = textTokens; self.inputHashes = inputHashes; self.modelDescription = modelDescription
    }

    /// The calibration set in dataset order.
    public var calibrationSampleIDs: [String] {
        let chosen = Set(CalibrationSet.select(sampleIds: sampleIDs, options: statistics))
        return sampleIDs.filter { chosen.contains($0) }
    }

    private func chunks(_ ids: [String]) -> [[String]] {
        stride(from: 0, to: ids.count, by: samplesPerUnit).map { Array(ids[$0..<min($0 + samplesPerUnit, ids.count)]) }
    }

    public var calibrationUnitCount: Int { chunks(calibrationSampleIDs).count }
    public var mainUnitCount: Int { chunks(sampleIDs).count }

    private func spec(_ id: Int, _ phase: RunUnitSpec.Phase, _ ids: [String], _ calPath: String?, _ fp: UInt64?) -> RunUnitSpec {
        RunUnitSpec(runID: runID, unitID: id, phase: phase, modelPath: modelPath, dataPath: dataPath, sampleIDs: ids,
                    layers: layers, variants: variants, statistics: statistics, threads: threads,
                    textTokens: textTokens, keyHeads: keyHeads, calibrationPath: calPath, calibrationFingerprint: fp)
    }

    public func calibrationUnits() -> [RunUnitSpec] {
        chunks(calibrationSampleIDs).enumerated().map { spec($0.offset, .calibration, $0.element, nil, nil) }
    }

    public func mainUnits(calibrationPath: String, fingerprint: UInt64) -> [RunUnitSpec] {
        let base = calibrationUnitCount
        return chunks(sampleIDs).enumerated().map { spec(base + $0.offset, .main, $0.element, calibrationPath, fingerprint) }
    }

    public func jsonData() throws -> Data {
        let e = JSONEncoder(); e.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try e.encode(self)
    }

    public static func load(_ url: URL) throws -> RunPlan {
        try JSONDecoder().decode(RunPlan.self, from: Data(contentsOf: url))
    }

    /// Differences in inputs between this (frozen) plan and a fresh one, for `resume`'s refusal message.
    public func inputChanges(comparedWith fresh: RunPlan) -> [String] {
        var out: [String] = []
        for key in Set(inputHashes.keys).union(fresh.inputHashes.keys).sorted() {
            let a = inputHashes[key] ?? "absent", b = fresh.inputHashes[key] ?? "absent"
            if a != b { out.append("\(key): was \(a), now \(b)") }
        }
        if sampleIDs != fresh.sampleIDs { out.append("sample ids: was \(sampleIDs.count) samples, now \(fresh.sampleIDs.count)") }
        return out
    }
}

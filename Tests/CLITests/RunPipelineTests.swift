import Foundation
import Testing
@testable import CLI
import Coordinator
import Math
import Protocol
import Worker

@Suite struct RunPipelineTests {
    static func plan(perUnit: Int, samples: Int = 40) -> RunPlan {
        RunPlan(runID: "t", keyscopeVersion: keyscopeVersion, modelPath: "synthetic", dataPath: "synthetic",
                sampleIDs: (0..<samples).map { "s\($0)" }, layers: [0, 2], variants: [.pre, .post],
                statistics: StatisticsOptions(components: 4, bins: 16, groups: 8, bootstrapDraws: 50,
                                              permutationDraws: 50, subsampleSize: 60, calibrationSamples: 25),
                threads: 1, samplesPerUnit: perUnit)
    }

    static func reportBytes(_ plan: RunPlan, provider: SyntheticKeyProvider = SyntheticKeyProvider()) throws -> [RopeVariant: Data] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ks-pipe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let exec = StatisticsUnitExecutor { _ in provider }
        let out = try InProcessRun(plan: plan, executor: exec, workDirectory: dir).run()
        return try out.reports.mapValues { try $0.jsonData() }
    }

    @Test func resultIsIndependentOfPartition() throws {
        let one = try Self.reportBytes(Self.plan(perUnit: 40))
        let many = try Self.reportBytes(Self.plan(perUnit: 3))
        #expect(one.keys.sorted() == [.pre, .post])
        #expect(one == many)
    }

    @Test func interModalDivergenceExceedsBaselines() throws {
        let out = try Self.reportBytes(Self.plan(perUnit: 7))
        let report = try JSONDecoder().decode(VariantReport.self, from: out[.pre]!)
        #expect(report.layers.map(\.layer) == [0, 2])
        for l in report.layers {
            let inter = try #require(l.result.inter.weighted)
            let intra = max(l.result.intraImage.weighted ?? 0, l.result.intraText.weighted ?? 0)
            #expect(inter > intra, "layer \(l.layer): inter \(inter) vs intra \(intra)")
            #expect(l.result.tokens.image == 40 * 12 && l.result.tokens.text == 40 * 8)
        }
    }

    @Test func unusableSamplesAreExcludedAndListed() throws {
        let provider = SyntheticKeyProvider(unusable: ["s3", "s17"])
        let out = try Self.reportBytes(Self.plan(perUnit: 5), provider: provider)
        let report = try JSONDecoder().decode(VariantReport.self, from: out[.post]!)
        #expect(report.run.excludedSamples.map(\.sampleID) == ["s17", "s3"])
        #expect(report.run.samples == 38)
        #expect(report.layers[0].result.tokens.image == 38 * 12)
    }
}

import Foundation
import Testing
@testable import CLI
import Coordinator
import Math
import Protocol
import Worker

/// `--per-head`: each KV head's keys analysed on their own, next to (and without changing) the whole layer.
@Suite struct PerHeadAnalysisTests {
    /// The synthetic keys of one head only: what a per-head entry must see.
    struct OneHead: KeyProvider {
        var base = SyntheticKeyProvider()
        var head: Int
        var heads: Int
        func keys(sampleID: String, layers: [Int], variants: [RopeVariant]) throws -> SampleKeys {
            let all = try base.keys(sampleID: sampleID, layers: layers, variants: variants)
            let d = base.width / heads, h = head
            func slice(_ t: Tensor) -> Tensor {
                var data: [Float] = []
                for r in 0..<t.rows {
                    let start = r * t.cols + h * d
                    data.append(contentsOf: t.data[start..<(start + d)])
                }
                return Tensor(shape: [t.rows, d], data: data)
            }
            var sliced: [RopeVariant: [Int: Tensor]] = [:]
            for (v, perLayer) in all.keys { sliced[v] = perLayer.mapValues(slice) }
            return SampleKeys(modality: all.modality, isQuestion: all.isQuestion, keys: sliced)
        }
    }

    static func reports(_ plan: RunPlan, _ provider: any KeyProvider) throws -> [RopeVariant: VariantReport] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ks-head-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let exec = StatisticsUnitExecutor { _ in provider }
        return try InProcessRun(plan: plan, executor: exec, workDirectory: dir).run().reports
    }

    @Test func headsMatchSeparateRunsAndLeaveWholeLayersUnchanged() throws {
        var perHead = RunPipelineTests.plan(perUnit: 7, samples: 24)
        perHead.keyHeads = 4
        let withHeads = try Self.reports(perHead, SyntheticKeyProvider())
        let plain = try Self.reports(RunPipelineTests.plan(perUnit: 7, samples: 24), SyntheticKeyProvider())
        for v in [RopeVariant.pre, .post] {
            let a = try #require(withHeads[v]), b = try #require(plain[v])
            #expect(a.layers.map(\.result) == b.layers.map(\.result), "\(v): whole-layer results changed by --per-head")
            #expect(a.run.keyHeads == 4 && b.run.keyHeads == nil)
            for l in a.layers {
                let heads = try #require(l.heads, "\(v) layer \(l.layer): no heads")
                #expect(heads.map(\.head) == [0, 1, 2, 3])
                #expect(heads.allSatisfy { $0.result.tokens == l.result.tokens && $0.result.components == 4 })
            }
        }
        for h in [0, 3] {
            let alone = try Self.reports(RunPipelineTests.plan(perUnit: 7, samples: 24), OneHead(head: h, heads: 4))
            for v in [RopeVariant.pre, .post] {
                let expected = try #require(alone[v]).layers.map(\.result)
                let got = try #require(withHeads[v]).layers.map { $0.heads![h].result }
                #expect(got == expected, "\(v) head \(h): per-head entry differs from analysing that head's keys alone")
            }
        }
    }

    @Test func perHeadReportIsPartitionIndependentAndRoundTrips() throws {
        var a = RunPipelineTests.plan(perUnit: 40, samples: 24), b = RunPipelineTests.plan(perUnit: 3, samples: 24)
        a.keyHeads = 2; b.keyHeads = 2
        let ra = try Self.reports(a, SyntheticKeyProvider()), rb = try Self.reports(b, SyntheticKeyProvider())
        let bytes = try ra[.pre]!.jsonData()
        #expect(bytes == (try rb[.pre]!.jsonData()))
        let back = try JSONDecoder().decode(VariantReport.self, from: bytes)
        #expect(try back.jsonData() == bytes)
        #expect(back.layers.first?.heads?.count == 2)
    }

    @Test func keysThatDoNotSplitIntoHeadsAreAnError() throws {
        var plan = RunPipelineTests.plan(perUnit: 40, samples: 24)
        plan.keyHeads = 3   // 16-wide synthetic keys
        #expect(throws: (any Error).self) { try Self.reports(plan, SyntheticKeyProvider()) }
    }
}

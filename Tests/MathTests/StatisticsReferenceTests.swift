import Foundation
import Testing
@testable import Math

/// Swift engine against the independent numpy/scipy reference (scripts/stats_reference.py).
@Suite struct StatisticsReferenceTests {
    static let cases = ["basic", "edge"]

    static func run(_ f: StatisticsFixture) throws -> (Calibration, MainPassAccumulator) {
        let options = f.statisticsOptions
        let blocks = f.blocks
        let ids = CalibrationSet.select(sampleIds: blocks.map(\.sampleId), options: options)
        var acc = CalibrationAccumulator(width: f.width)
        for b in blocks where ids.contains(b.sampleId) { try acc.add(b) }
        let cal = try acc.finalize(options: options)
        var main = try MainPassAccumulator(calibration: cal, options: options)
        for b in blocks { try main.add(b) }
        return (cal, main)
    }

    @Test(arguments: cases) func calibration(_ name: String) throws {
        let f = try StatisticsFixture.load(name)
        let e = f.expected
        let options = f.statisticsOptions
        #expect(CalibrationSet.select(sampleIds: f.samples.map(\.id), options: options) == e.calibration_ids)
        let (cal, _) = try Self.run(f)
        #expect(cal.count == e.calibration_count)
        #expect(cal.excludedTokens == e.calibration_excluded)
        #expect(cal.components == min(options.components, f.width))
        for i in 0..<f.width {
            #expect(close(cal.mean[i], e.mean[i], 1e-10), "mean[\(i)]")
            #expect(close(cal.std[i], e.std[i], 1e-10), "std[\(i)]")
            #expect((cal.std[i] == 0) == (e.std[i] == 0), "σ = 0 decided exactly")
        }
        for j in 0..<cal.components { #expect(close(cal.eigenvalues[j], e.eigenvalues[j], 1e-10), "λ[\(j)]") }
        for i in 0..<cal.basis.count { #expect(close(cal.basis[i], e.basis[i], 1e-10), "P[\(i)]") }
    }

    @Test(arguments: cases) func mainPassCountsAndSubsample(_ name: String) throws {
        let f = try StatisticsFixture.load(name)
        let e = f.expected
        let (_, main) = try Self.run(f)
        #expect(main.histogram == e.histogram)
        #expect(main.momentCount == e.moment_count)
        #expect(main.excludedTokens == e.excluded)
        let r = main.components
        for m in 0..<2 {
            let got = main.subsample[m].sorted
            let want = e.subsample[m]
            #expect(got.map(\.sampleId) == want.ids)
            #expect(got.map(\.tokenIndex) == want.token_index)
            #expect(got.map { String($0.hash) } == want.hash)
            let y = StatisticsFixture.floats(want.y)
            for (q, entry) in got.enumerated() {
                for j in 0..<r { #expect(abs(Double(entry.y[j]) - Double(y[q * r + j])) <= 1e-4 * max(1, abs(Double(y[q * r + j])))) }
            }
        }
    }

    @Test(arguments: cases) func analysis(_ name: String) throws {
        let f = try StatisticsFixture.load(name)
        let e = f.expected.result
        let (_, main) = try Self.run(f)
        let res = try LayerAnalysis.analyze(main, options: f.statisticsOptions)
        func same(_ a: [Double?], _ b: [Double?], _ tol: Double, _ what: String) {
            #expect(a.count == b.count, "\(what) count")
            for (x, y) in zip(a, b) {
                switch (x, y) {
                case (nil, nil): break
                case let (x?, y?): #expect(close(x, y, tol), "\(what): \(x) vs \(y)")
                default: Issue.record("\(what): \(String(describing: x)) vs \(String(describing: y))")
                }
            }
        }
        same(res.interJSD, e.inter_jsd, 1e-9, "inter JSD")
        same(res.intraImageJSD, e.intra_image_jsd, 1e-9, "intra image JSD")
        same(res.intraTextJSD, e.intra_text_jsd, 1e-9, "intra text JSD")
        same(res.weights ?? [], e.weights ?? [], 1e-9, "weights")
        for (got, want, what) in [(res.inter, e.inter, "inter"), (res.intraImage, e.intra_image, "intra image"),
                                  (res.intraText, e.intra_text, "intra text")] {
            same([got.weighted, got.mean], [want.weighted, want.mean], 1e-9, "\(what) score")
        }
        #expect(res.bootstrap.pValue == e.bootstrap.p_value)
        #expect(res.bootstrap.validDraws == e.bootstrap.valid_draws)
        same(res.bootstrap.interInterval ?? [], e.bootstrap.inter_interval ?? [], 1e-9, "inter interval")
        #expect((res.bootstrap.intraImageInterval == nil) == (e.bootstrap.intra_image_interval == nil))
        same(res.bootstrap.intraImageInterval ?? [], e.bootstrap.intra_image_interval ?? [], 1e-9, "intra image interval")
        same(res.bootstrap.intraTextInterval ?? [], e.bootstrap.intra_text_interval ?? [], 1e-9, "intra text interval")
        same([res.gaussian.frechet, res.gaussian.symmetricKL], [e.frechet, e.symmetric_kl], 1e-5, "Fréchet/SKL")
        same((res.gaussian.imageMean ?? []).map { $0 }, (e.image_mean ?? []).map { $0 }, 1e-5, "image mean")
        same([res.mmd.mmd2, res.mmd.bandwidth], [e.mmd?.mmd2, e.mmd?.bandwidth], 1e-5, "MMD")
        #expect(res.mmd.pValue == e.mmd?.p_value)
        if name == "edge" {
            #expect(res.intraImage.weighted == nil && res.intraImage.mean == nil, "image tokens only in even groups")
            #expect(res.gaussian.symmetricKL == nil, "λ = 0 component → singular covariance")
            #expect(res.components == 4 && res.eigenvalues.last == 0, "r > width → r_eff = width; constant dim λ = 0")
        }
        // JSON: explicit nulls, sorted keys, stable bytes.
        let json = try res.jsonData()
        let text = String(decoding: json, as: UTF8.self)
        #expect(!text.contains("NaN"))
        #expect(try res.jsonData() == json)
        if name == "edge" { #expect(text.contains("\"intra_image\":{\"mean\":null,\"weighted\":null}")) }
        let back = try JSONDecoder().decode(LayerResult.self, from: json)
        #expect(back == res)
    }
}

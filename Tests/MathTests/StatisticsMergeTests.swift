import Foundation
import Testing
@testable import Math

/// Determinism (DESIGN §7): serialized accumulators are byte-identical whatever the split of the
/// samples into parts, the merge order, a serialization round trip, or the BLAS thread count.
@Suite(.serialized) struct StatisticsMergeTests {
    static func blocks(seed: UInt64, samples: Int, width: Int, maxTokens: Int, bigBlock: Bool = false) -> [KeyBlock] {
        var rng = SplitMix64(seed: seed)
        let offset = (0..<width).map { _ in 2 * rng.nextGaussian() }
        return (0..<samples).map { s in
            let t = bigBlock && s == 0 ? 2100 : 1 + Int(rng.next() % UInt64(maxTokens))
            var data = [Float](repeating: 0, count: t * width)
            var modality = [Modality](repeating: .text, count: t)
            for i in 0..<t {
                modality[i] = rng.next() % 3 == 0 ? .image : .text
                for d in 0..<width {
                    data[i * width + d] = Float(offset[d] + rng.nextGaussian() * (1 + Double(d % 5)) + (modality[i] == .image ? 0.5 : 0))
                }
            }
            if s == 3 { data[2] = .nan }
            return KeyBlock(sampleId: "sample-\(s)", keys: Tensor(shape: [t, width], data: data), modality: modality)
        }
    }

    static let options = StatisticsOptions(components: 8, bins: 20, groups: 6, bootstrapDraws: 20,
                                           permutationDraws: 10, subsampleSize: 30, calibrationSamples: 100, seed: 11)

    /// Random partition into 1…5 non-empty parts, shuffled.
    static func partition<T>(_ items: [T], rng: inout SplitMix64) -> [[T]] {
        let shuffled = items.shuffled(using: &rng)
        let parts = 1 + Int(rng.next() % 5)
        var out = [[T]](repeating: [], count: parts)
        for (i, x) in shuffled.enumerated() { out[i < parts ? i : Int(rng.next() % UInt64(parts))].append(x) }
        return out
    }

    @Test func calibrationMergeIsPartitionAndOrderIndependent() throws {
        let data = Self.blocks(seed: 1, samples: 24, width: 20, maxTokens: 60, bigBlock: true)
        var single = CalibrationAccumulator(width: 20)
        for b in data { try single.add(b) }
        let reference = single.serialized()
        var rng = SplitMix64(seed: 99)
        for _ in 0..<6 {
            var parts: [CalibrationAccumulator] = []
            for p in Self.partition(data, rng: &rng) {
                var a = CalibrationAccumulator(width: 20)
                for b in p { try a.add(b) }
                parts.append(try CalibrationAccumulator(serialized: a.serialized()))
            }
            parts.shuffle(using: &rng)
            var merged = parts[0]
            for p in parts.dropFirst() { try merged.merge(p) }
            let same = merged.serialized() == reference
            #expect(same)
        }
        #expect(single.excludedTokens == 1)
        let cal = try single.finalize(options: Self.options)
        #expect(try Calibration(serialized: cal.serialized()) == cal)
    }

    @Test func mainPassMergeIsPartitionAndOrderIndependent() throws {
        let data = Self.blocks(seed: 2, samples: 30, width: 16, maxTokens: 40, bigBlock: true)
        var calAcc = CalibrationAccumulator(width: 16)
        for b in data.prefix(10) { try calAcc.add(b) }
        let cal = try calAcc.finalize(options: Self.options)
        var single = try MainPassAccumulator(calibration: cal, options: Self.options)
        for b in data { try single.add(b) }
        let reference = single.serialized()
        var rng = SplitMix64(seed: 5)
        for _ in 0..<6 {
            var parts: [MainPassAccumulator] = []
            for p in Self.partition(data, rng: &rng) {
                var a = try MainPassAccumulator(calibration: cal, options: Self.options)
                for b in p { try a.add(b) }
                parts.append(try MainPassAccumulator(serialized: a.serialized(), calibration: cal))
            }
            parts.shuffle(using: &rng)
            var merged = parts[0]
            for p in parts.dropFirst() { try merged.merge(p) }
            let same = merged.serialized() == reference
            #expect(same)
            #expect(try LayerAnalysis.analyze(merged, options: Self.options) == LayerAnalysis.analyze(single, options: Self.options))
        }
        // Every token in exactly one bin per component.
        for m in Modality.allCases {
            for j in 0..<single.components {
                var total: Int64 = 0
                for g in 0..<single.groups { for b in 0..<(single.bins + 2) {
                    total += single.histogram[single.histogramIndex(modality: m, group: g, component: j, bin: b)]
                } }
                #expect(total == single.tokenCount(m))
            }
        }
        #expect(single.subsample[0].count == 30 && single.subsample[1].count == 30)
    }

    @Test func blasThreadCountDoesNotChangeBytes() throws {
        let data = Self.blocks(seed: 3, samples: 3, width: 160, maxTokens: 1500, bigBlock: true)
        // Workers receive the coordinator's serialized Calibration, so one calibration serves both runs
        // (finalize itself uses LAPACK, whose bits follow the coordinator's pinned thread count).
        var c0 = CalibrationAccumulator(width: 160)
        for b in data { try c0.add(b) }
        let cal = try c0.finalize(options: Self.options)
        func run() throws -> ([UInt8], [UInt8]) {
            var c = CalibrationAccumulator(width: 160)
            for b in data { try c.add(b) }
            var m = try MainPassAccumulator(calibration: cal, options: Self.options)
            for b in data { try m.add(b) }
            return (c.serialized(), m.serialized())
        }
        let saved = Compute.threads
        defer { Compute.setThreads(saved) }
        Compute.setThreads(1)
        let one = try run()
        Compute.setThreads(2)
        let two = try run()
        let sameCalibration = one.0 == two.0, sameMain = one.1 == two.1
        #expect(sameCalibration, "calibration accumulator bytes")
        #expect(sameMain, "main-pass accumulator bytes")
    }

    /// Degenerate data gives nulls, not crashes or NaN: one calibration token (every σ = 0, every λ = 0),
    /// text-only main pass (no image side), a single group.
    @Test func degenerateInputsGiveNulls() throws {
        var options = Self.options; options.groups = 1
        var acc = CalibrationAccumulator(width: 3)
        try acc.add(KeyBlock(sampleId: "one", keys: Tensor(shape: [1, 3], data: [1, 2, 3]), modality: [.text]))
        let cal = try acc.finalize(options: options)
        #expect(cal.std == [0, 0, 0] && cal.eigenvalues == [0, 0, 0] && cal.components == 3)
        var main = try MainPassAccumulator(calibration: cal, options: options)
        try main.add(KeyBlock(sampleId: "a", keys: Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6]), modality: [.text, .text]))
        let res = try LayerAnalysis.analyze(main, options: options)
        #expect(res.weights == nil && res.inter.weighted == nil && res.inter.mean == nil)
        #expect(res.intraText.mean == nil, "one group: no odd half")
        #expect(res.gaussian.frechet == nil && res.gaussian.symmetricKL == nil && res.mmd.mmd2 == nil)
        #expect(res.bootstrap.validDraws == 0 && res.bootstrap.pValue == 1)
        #expect(res.tokens == LayerResult.Counts(image: 0, text: 2))
        let text = String(decoding: try res.jsonData(), as: UTF8.self)
        #expect(text.contains("\"frechet\":null") && !text.contains("NaN"))
    }

    @Test func incompatibleInputsAreRejected() throws {
        var a = CalibrationAccumulator(width: 4)
        let bad = KeyBlock(sampleId: "x", keys: Tensor(zeros: [3, 5]), modality: [.text, .text, .text])
        #expect(throws: StatisticsError.self) { try a.add(bad) }
        let short = KeyBlock(sampleId: "x", keys: Tensor(zeros: [3, 4]), modality: [.text])
        #expect(throws: StatisticsError.self) { try a.add(short) }
        #expect(throws: StatisticsError.self) { try a.merge(CalibrationAccumulator(width: 5)) }
        #expect(throws: StatisticsError.self) { _ = try a.finalize(options: Self.options) }  // no tokens
        var bad0 = Self.options; bad0.bins = 0
        #expect(throws: StatisticsError.self) { try bad0.validate() }
        let partial = try JSONDecoder().decode(StatisticsOptions.self, from: Data(#"{"bins": 16, "seed": 5}"#.utf8))
        #expect(partial == StatisticsOptions(bins: 16, seed: 5))
        #expect(try JSONDecoder().decode(StatisticsOptions.self, from: JSONEncoder().encode(Self.options)) == Self.options)
    }
}

/// Truncated, corrupted or hostile blobs give a typed error, never a crash or a huge allocation.
@Suite struct StatisticsCodingTests {
    static func blobs() throws -> [(String, [UInt8], ([UInt8]) throws -> Void)] {
        let data = StatisticsMergeTests.blocks(seed: 4, samples: 6, width: 6, maxTokens: 12)
        var acc = CalibrationAccumulator(width: 6)
        for b in data { try acc.add(b) }
        let cal = try acc.finalize(options: StatisticsMergeTests.options)
        var main = try MainPassAccumulator(calibration: cal, options: StatisticsMergeTests.options)
        for b in data { try main.add(b) }
        return [
            ("KSCA", acc.serialized(), { _ = try CalibrationAccumulator(serialized: $0) }),
            ("KSCL", cal.serialized(), { _ = try Calibration(serialized: $0) }),
            ("KSMP", main.serialized(), { _ = try MainPassAccumulator(serialized: $0, calibration: cal) }),
            ("KSMP", main.serialized(version: 1), { _ = try MainPassAccumulator(serialized: $0, calibration: cal) }),
        ]
    }

    /// Re-seals a modified payload so the parser (not the seal) must catch the problem.
    static func resealed(_ blob: [UInt8], _ edit: (inout [UInt8]) -> Void) -> [UInt8] {
        var payload = Array(blob.dropLast(8))
        edit(&payload)
        let h = XXH64.hash(payload, seed: 0)
        withUnsafeBytes(of: h.littleEndian) { payload.append(contentsOf: $0) }
        return payload
    }

    @Test func truncatedAndCorruptBlobsThrow() throws {
        for (name, blob, decode) in try Self.blobs() {
            try decode(blob)
            for n in [0, 3, 6, 13, blob.count / 2, blob.count - 1] {
                #expect(throws: StatisticsCodingError.self, "\(name) truncated to \(n)") { try decode(Array(blob.prefix(n))) }
            }
            var flipped = blob; flipped[blob.count / 2] ^= 0x40
            do { try decode(flipped); Issue.record("\(name): corrupt blob accepted") } catch let e as StatisticsCodingError {
                if case .checksumMismatch = e {} else { Issue.record("\(name): \(e)") }
            }
            var magic = blob; magic[0] = UInt8(ascii: "X")
            #expect(throws: StatisticsCodingError.self) { try decode(magic) }
            let version = Self.resealed(blob) { $0[4] = 9 }
            do { try decode(version); Issue.record("\(name): version 9 accepted") } catch let e as StatisticsCodingError {
                if case .unsupportedVersion(_, 9) = e {} else { Issue.record("\(name): \(e)") }
            }
            // A hostile first size field (2^40) must be refused before allocating.
            let huge = Self.resealed(blob) { p in
                let v = UInt64(1) << 40
                withUnsafeBytes(of: v.littleEndian) { for i in 0..<8 { p[(name == "KSMP" ? 14 : 6) + i] = $0[i] } }
            }
            #expect(throws: StatisticsCodingError.self, "\(name) hostile size") { try decode(huge) }
            let extra = Self.resealed(blob) { $0.append(0) }
            #expect(throws: StatisticsCodingError.self, "\(name) trailing byte") { try decode(extra) }
        }
    }

    /// Version 2 writes only occupied (modality, group) cells; version-1 blobs (older journals) still read
    /// back to the same accumulator.
    @Test func sparseCellsRoundTripAndDenseVersion1StillReads() throws {
        let list = try Self.blobs()
        let cal = try Calibration(serialized: list[1].1)
        let v2 = try MainPassAccumulator(serialized: list[2].1, calibration: cal)
        let v1 = try MainPassAccumulator(serialized: list[3].1, calibration: cal)
        #expect(v1.serialized() == list[2].1)
        #expect(v2.serialized() == list[2].1)
        #expect(v1.histogram == v2.histogram && v1.momentCount == v2.momentCount)
        // One sample touches one group: its blob carries 2 of the 2·G cells.
        let data = try #require(StatisticsMergeTests.blocks(seed: 4, samples: 6, width: 6, maxTokens: 12).first)
        var one = try MainPassAccumulator(calibration: cal, options: StatisticsMergeTests.options)
        try one.add(data)
        let sparse = one.serialized(), dense = one.serialized(version: 1)
        #expect(sparse.count * 3 < dense.count, "sparse \(sparse.count) B vs dense \(dense.count) B")
        let back = try MainPassAccumulator(serialized: sparse, calibration: cal)
        #expect(back.serialized() == sparse && back.histogram == one.histogram)
    }

    @Test func mainPassRefusesOtherCalibration() throws {
        let list = try Self.blobs()
        let other = try Calibration(serialized: list[1].1)
        let moved = Calibration(width: other.width, components: other.components, bins: other.bins, count: other.count + 1,
                                excludedTokens: other.excludedTokens, mean: other.mean, std: other.std,
                                eigenvalues: other.eigenvalues, basis: other.basis)
        #expect(throws: StatisticsCodingError.self) { _ = try MainPassAccumulator(serialized: list[2].1, calibration: moved) }
    }
}

import Foundation
@testable import Math

/// Loader for the fixtures written by scripts/stats_reference.py (numpy/scipy/xxhash reference).
struct StatisticsFixture: Decodable {
    struct Options: Decodable {
        var components, bins, groups, bootstrap_draws, permutation_draws, subsample_size, calibration_samples: Int
        var seed: UInt64
    }
    struct Sample: Decodable {
        var id: String
        var modality: [UInt8]
        var token_index: [Int]
        var keys: String
    }
    struct Subsample: Decodable {
        var ids: [String]
        var token_index: [Int]
        var hash: [String]
        var y: String
    }
    struct Score: Decodable { var weighted: Double?; var mean: Double? }
    struct Bootstrap: Decodable {
        var p_value: Double
        var valid_draws: Int
        var inter_interval: [Double]?
        var intra_image_interval: [Double]?
        var intra_text_interval: [Double]?
    }
    struct MMDResult: Decodable { var mmd2: Double; var bandwidth: Double; var p_value: Double }
    struct Result: Decodable {
        var weights: [Double]?
        var inter_jsd, intra_image_jsd, intra_text_jsd: [Double?]
        var inter, intra_image, intra_text: Score
        var bootstrap: Bootstrap
        var frechet: Double?
        var symmetric_kl: Double?
        var image_mean: [Double]?
        var text_mean: [Double]?
        var mmd: MMDResult?
    }
    struct Expected: Decodable {
        var calibration_ids: [String]
        var calibration_count, calibration_excluded: Int
        var mean, std, eigenvalues, basis: [Double]
        var histogram: [Int64]
        var moment_count: [Int64]
        var excluded: [Int64]
        var subsample: [Subsample]
        var result: Result
    }
    var name: String
    var width: Int
    var options: Options
    var samples: [Sample]
    var expected: Expected

    static func load(_ name: String) throws -> StatisticsFixture {
        let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        let data = try Data(contentsOf: dir.appendingPathComponent("stats/\(name).json"))
        return try JSONDecoder().decode(StatisticsFixture.self, from: data)
    }

    static func floats(_ base64: String) -> [Float] {
        let d = Data(base64Encoded: base64)!
        return d.withUnsafeBytes { raw in
            (0..<(d.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }

    var statisticsOptions: StatisticsOptions {
        StatisticsOptions(components: options.components, bins: options.bins, groups: options.groups,
                          bootstrapDraws: options.bootstrap_draws, permutationDraws: options.permutation_draws,
                          subsampleSize: options.subsample_size, calibrationSamples: options.calibration_samples,
                          seed: options.seed)
    }

    var blocks: [KeyBlock] {
        samples.map { s in
            let keys = Self.floats(s.keys)
            return KeyBlock(sampleId: s.id, keys: Tensor(shape: [s.modality.count, width], data: keys),
                            modality: s.modality.map { Modality(rawValue: $0)! }, tokenIndex: s.token_index)
        }
    }
}

/// Relative-or-absolute closeness used by the reference comparisons.
func close(_ a: Double, _ b: Double, _ tol: Double) -> Bool {
    abs(a - b) <= tol * max(1, abs(b))
}

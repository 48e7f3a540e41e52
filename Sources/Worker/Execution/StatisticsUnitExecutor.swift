import Foundation
import Math
import Protocol

/// Runs one unit: keys for each sample go straight into mergeable accumulators; only the accumulators
/// (and, in phase 2, the bottom-k subsample inside them) leave the worker, never raw key tensors.
public struct StatisticsUnitExecutor: Sendable {
    /// Builds (or returns a cached) key provider for a unit's model and dataset.
    public typealias ProviderFactory = @Sendable (RunUnitSpec) throws -> any KeyProvider

    private let providerFor: ProviderFactory
    private let calibrations = CalibrationCache()

    public init(provider: @escaping ProviderFactory) { self.providerFor = provider }

    public func execute(_ spec: RunUnitSpec) throws -> UnitOutcome {
        Compute.setThreads(spec.threads)
        let provider = try providerFor(spec)
        let calibration: [String: Calibration] = spec.phase == .main ? try calibrations.load(spec) : [:]
        var calib: [String: CalibrationAccumulator] = [:]
        var main: [String: MainPassAccumulator] = [:]
        var excluded: [ExcludedSample] = []
        var tokens = 0
        for id in spec.sampleIDs {
            let sample: SampleKeys
            do { sample = try provider.keys(sampleID: id, layers: spec.layers, variants: spec.variants) } catch let e as SampleUnusable {
                excluded.append(ExcludedSample(sampleID: id, reason: e.reason)); continue
            }
            let keep: [Int] = spec.textTokens == "prompt"
                ? sample.modality.indices.filter { sample.modality[$0] == .image || sample.isQuestion[$0] }
                : Array(sample.modality.indices)
            tokens += keep.count
            for variant in spec.variants {
                for layer in spec.layers {
                    guard let k = sample.keys[variant]?[layer] else {
                        throw ExecutorError.missingKeys("sample '\(id)': provider returned no \(variant.rawValue)-RoPE keys for layer \(layer)")
                    }
                    let rows = keep.count == k.rows ? k : Tensor.gatherRows(k, keep)
                    let modality = keep.map { sample.modality[$0] }
                    var blocks = [(RunUnitSpec.entryName(variant, layer: layer),
                                   KeyBlock(sampleId: id, keys: rows, modality: modality, tokenIndex: keep))]
                    if let heads = spec.keyHeads {
                        guard heads >= 1, rows.cols % heads == 0 else {
                            throw ExecutorError.missingKeys("sample '\(id)' layer \(layer): \(rows.cols)-wide keys do not split into \(heads) KV heads")
                        }
                        for h in 0..<heads {
                            blocks.append((RunUnitSpec.entryName(variant, layer: layer, head: h),
                                           KeyBlock(sampleId: id, keys: Tensor.columns(rows, head: h, of: heads), modality: modality, tokenIndex: keep)))
                        }
                    }
                    for (name, block) in blocks {
                        switch spec.phase {
                        case .calibration:
                            if calib[name] == nil { calib[name] = CalibrationAccumulator(width: block.keys.cols) }
                            try calib[name]!.add(block)
                        case .main:
                            guard let c = calibration[name] else { throw ExecutorError.missingKeys("calibration has no entry \(name)") }
                            if main[name] == nil { main[name] = try MainPassAccumulator(calibration: c, options: spec.statistics) }
                            try main[name]!.add(block)
                        }
                    }
                }
            }
        }
        var blobs: [String: [UInt8]] = [:]
        for (n, a) in calib { blobs[n] = a.serialized() }
        for (n, a) in main { blobs[n] = a.serialized() }
        return UnitOutcome(accumulators: blobs, excluded: excluded, tokens: tokens)
    }
}

public enum ExecutorError: Error, CustomStringConvertible {
    case missingKeys(String)
    case calibration(String)
    public var description: String {
        switch self { case .missingKeys(let m), .calibration(let m): return m }
    }
}

/// Phase-2 units all use the same calibration file; parse it once per worker process.
final class CalibrationCache: @unchecked Sendable {
    private let lock = NSLock()
    private var cached: (UInt64, [String: Calibration])?

    func load(_ spec: RunUnitSpec) throws -> [String: Calibration] {
        guard let path = spec.calibrationPath, let expected = spec.calibrationFingerprint else {
            throw ExecutorError.calibration("unit \(spec.unitID): phase-2 unit without a calibration file")
        }
        lock.lock(); defer { lock.unlock() }
        if let c = cached, c.0 == expected { return c.1 }
        let file = try CalibrationFile.read(path: path, expectedFingerprint: expected)
        cached = (expected, file)
        return file
    }
}

extension Tensor {
    /// Columns of KV head `head` (of `heads` equal-width heads, HF's `[T, H·d]` flattening) as `[T, d]`.
    static func columns(_ t: Tensor, head: Int, of heads: Int) -> Tensor {
        let c = t.cols, d = c / heads
        var out = [Float](); out.reserveCapacity(t.rows * d)
        for r in 0..<t.rows { out.append(contentsOf: t.data[(r * c + head * d)..<(r * c + (head + 1) * d)]) }
        return Tensor(shape: [t.rows, d], data: out)
    }

    /// Rows `indices` of a matrix, in that order.
    static func gatherRows(_ t: Tensor, _ indices: [Int]) -> Tensor {
        let c = t.cols
        var out = [Float](); out.reserveCapacity(indices.count * c)
        for i in indices { out.append(contentsOf: t.data[(i * c)..<((i + 1) * c)]) }
        return Tensor(shape: [indices.count, c], data: out)
    }
}

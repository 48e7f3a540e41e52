import Foundation
import Math
import Model

/// Keys from a real checkpoint: dataset row → prepared inputs → stage forward with key taps.
///
/// One forward per sample: OpenBLAS results depend on the GEMM row count in the last bits, so batching
/// samples together would make keys depend on how samples were grouped into units (DESIGN §7).
/// The stage holds layers `0..<maxLayer + 1` with the embeddings (and, for Qwen2.5-VL, the vision tower):
/// the keys of layer `l` need every layer below it.
public final class ModelKeyProvider: KeyProvider, @unchecked Sendable {
    public let family: ModelFamily
    private let samples: [String: Sample]
    private let loaded: Loaded
    private let lock = NSLock()

    /// Loads the dataset and the model layers `0...maxLayer` (plus the vision tower and embeddings).
    public init(modelPath: String, dataPath: String, maxLayer: Int) throws {
        let dir = URL(fileURLWithPath: modelPath)
        family = try ModelFamilyDetector.detect(directory: dir)
        let data = try DatasetLoader.read(URL(fileURLWithPath: dataPath))
        samples = Dictionary(data.samples.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        switch family {
        case .llava:
            let config = try LlavaConfig(directory: dir)
            let stage = try LlavaStage(directory: dir, layers: 0..<(maxLayer + 1), includeEmbedding: true)
            loaded = .llava(stage, try LlavaSamplePreparer(modelDirectory: dir, config: config))
        case .qwen25vl:
            let config = try Qwen25VLConfig(directory: dir)
            let stage = try Qwen25VLStage(directory: dir, layers: 0..<(maxLayer + 1), includeEmbedding: true)
            loaded = .qwen25vl(stage, try Qwen25VLSamplePreparer(modelDirectory: dir, config: config))
        }
    }

    public func keys(sampleID: String, layers: [Int], variants: [RopeVariant]) throws -> SampleKeys {
        guard let sample = samples[sampleID] else {
            throw ModelProviderError.unknownSample("sample '\(sampleID)' is not in the dataset this worker loaded (did the dataset change?)")
        }
        let taps = KeyTaps(layers: Set(layers), preRoPE: variants.contains(.pre), postRoPE: variants.contains(.post))
        let prepared: PreparedSample
        let pre: [Int: Tensor], post: [Int: Tensor], isImage: [Bool]
        do {
            switch loaded {
            case .llava(let stage, let preparer):
                prepared = try preparer.prepare(sample)
                let out = try stage.forward(.tokens(inputIds: prepared.inputIds, pixelValues: prepared.pixelValues), taps: taps)
                (pre, post, isImage) = (out.keys, out.rotatedKeys, out.isImageToken)
            case .qwen25vl(let stage, let preparer):
                prepared = try preparer.prepare(sample)
                let out = try stage.forward(.tokens(inputIds: prepared.inputIds, pixelValues: prepared.pixelValues,
                                                    imageGridTHW: Qwen25VLSamplePreparer.grids(of: prepared)), taps: taps)
                (pre, post, isImage) = (out.keys, out.rotatedKeys, out.isImageToken)
            }
        } catch let e as SamplePreparationError {
            throw SampleUnusable(e.reason)
        }
        var keys: [RopeVariant: [Int: Tensor]] = [:]
        if variants.contains(.pre) { keys[.pre] = pre }
        if variants.contains(.post) { keys[.post] = post }
        return SampleKeys(modality: isImage.map { $0 ? .image : .text },
                          isQuestion: prepared.roles.map { $0 == .question }, keys: keys)
    }

    /// The loaded stage and its sample preparer, per family.
    private enum Loaded {
        case llava(LlavaStage, LlavaSamplePreparer)
        case qwen25vl(Qwen25VLStage, Qwen25VLSamplePreparer)
    }

    // MARK: Per-process cache (a worker keeps one model loaded across units)

    nonisolated(unsafe) private static var cache: [String: ModelKeyProvider] = [:]
    private static let cacheLock = NSLock()

    /// The provider for a unit's model and dataset, loaded once per worker process.
    public static func shared(modelPath: String, dataPath: String, maxLayer: Int) throws -> ModelKeyProvider {
        let key = "\(modelPath)\u{0}\(dataPath)\u{0}\(maxLayer)"
        cacheLock.lock(); defer { cacheLock.unlock() }
        if let p = cache[key] { return p }
        let p = try ModelKeyProvider(modelPath: modelPath, dataPath: dataPath, maxLayer: maxLayer)
        cache = [key: p]  // one model at a time: a sweep moving to the next model frees the previous one
        return p
    }
}

public enum ModelProviderError: Error, CustomStringConvertible {
    case unsupported(String), unknownSample(String)
    public var description: String {
        switch self { case .unsupported(let m), .unknownSample(let m): return m }
    }
}

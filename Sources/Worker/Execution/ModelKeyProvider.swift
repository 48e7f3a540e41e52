import Foundation
import Math
import Model

/// Keys from a real checkpoint: dataset row → prepared inputs → stage forward with key taps.
///
/// One forward per sample: OpenBLAS results depend on the GEMM row count in the last bits, so batching
/// samples together would make keys depend on how samples were grouped into units (DESIGN §7).
public final class ModelKeyProvider: KeyProvider, @unchecked Sendable {
    public let family: ModelFamily
    private let samples: [String: Sample]
    private let llava: (stage: LlavaStage, preparer: LlavaSamplePreparer)?
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
            llava = (stage, try LlavaSamplePreparer(modelDirectory: dir, config: config))
        case .qwen25vl:
            throw ModelProviderError.unsupported("\(modelPath): Qwen2.5-VL checkpoints are not wired into runs yet")
        }
    }

    public func keys(sampleID: String, layers: [Int], variants: [RopeVariant]) throws -> SampleKeys {
        guard let sample = samples[sampleID] else {
            throw ModelProviderError.unknownSample("sample '\(sampleID)' is not in the dataset this worker loaded (did the dataset change?)")
        }
        guard let llava else { throw ModelProviderError.unsupported("no model loaded") }
        let prepared: PreparedSample
        do { prepared = try llava.preparer.prepare(sample) } catch let e as SamplePreparationError {
            throw SampleUnusable(e.reason)
        }
        let taps = KeyTaps(layers: Set(layers), preRoPE: variants.contains(.pre), postRoPE: variants.contains(.post))
        let out = try llava.stage.forward(.tokens(inputIds: prepared.inputIds, pixelValues: prepared.pixelValues), taps: taps)
        var keys: [RopeVariant: [Int: Tensor]] = [:]
        if variants.contains(.pre) { keys[.pre] = out.keys }
        if variants.contains(.post) { keys[.post] = out.rotatedKeys }
        return SampleKeys(modality: out.isImageToken.map { $0 ? .image : .text },
                          isQuestion: prepared.roles.map { $0 == .question }, keys: keys)
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

import Foundation
import Math
import Worker

/// Keys read from a key directory instead of a forward pass: the offline half of `keyscope analyze`.
/// Samples recorded as unusable at capture time are excluded with their recorded reason, exactly as
/// the model provider would have excluded them.
public struct KeyFileProvider: KeyProvider {
    public let directory: URL
    public let metadata: KeyFileMetadata
    private let entries: [String: KeyFileMetadata.SampleEntry]

    public init(directory: URL) throws {
        self.directory = directory
        metadata = try KeyFileMetadata.load(directory: directory)
        entries = Dictionary(metadata.samples.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public func keys(sampleID: String, layers: [Int], variants: [RopeVariant]) throws -> SampleKeys {
        guard let e = entries[sampleID] else { throw KeyFileError.unknownSample(sampleID) }
        if let reason = e.unusable { throw SampleUnusable(reason) }
        let missingLayers = layers.filter { !metadata.layers.contains($0) }
        let missingVariants = variants.filter { !metadata.variants.contains($0) }
        guard missingLayers.isEmpty, missingVariants.isEmpty else {
            throw KeyFileError.notCaptured("\(directory.path): keys for layers \(missingLayers) / variants \(missingVariants.map(\.rawValue)) were not captured "
                                           + "(captured layers \(metadata.layers), variants \(metadata.variants.map(\.rawValue)))")
        }
        return try KeyFileSample.read(directory.appendingPathComponent(e.file!), layers: layers, variants: variants, keyDim: metadata.keyDim)
    }
}

import Foundation
import Math

/// `metadata.json` of a key directory (docs/key-file-format.md). It carries everything a run plan
/// needs besides the keys themselves (model and data paths, input hashes, sample order), so
/// `keyscope analyze` builds the very plan `keyscope run` would have built and its report is identical.
public struct KeyFileMetadata: Codable, Sendable, Equatable {
    public static let formatName = "keyscope-keys"
    public static let currentVersion = 1
    public static let fileName = "metadata.json"

    /// One entry per sample in run order: either a key file or the reason the sample is unusable.
    public struct SampleEntry: Codable, Sendable, Equatable {
        public var id: String
        /// File name inside the key directory (`<id>.safetensors`, escaped when the id is not file-safe).
        public var file: String?
        public var tokens: Int?
        public var unusable: String?
        public init(id: String, file: String? = nil, tokens: Int? = nil, unusable: String? = nil) {
            self.id = id; self.file = file; self.tokens = tokens; self.unusable = unusable
        }
    }

    public var format: String
    public var formatVersion: Int
    /// Who wrote the directory, e.g. `keyscope 0.1.0` or `export_keys_torch.py (transformers 5.24.0)`.
    public var producer: String
    public var model: String
    public var modelFamily: String
    public var modelDescription: String
    public var data: String
    /// XXH64 hex of model files, dataset and images, exactly as `keyscope run` records them.
    public var inputHashes: [String: String]
    public var layers: [Int]
    public var variants: [RopeVariant]
    public var numKeyValueHeads: Int
    public var headDim: Int
    /// Chat template rendered with `{question}` in place of the user text (for humans; the hash is in input_hashes).
    public var template: String
    public var imageTokensPerImage: Int
    /// BLAS threads of the forward passes (keyscope writers): keys, hence reports, depend on it in the last
    /// bits, so `analyze` equals `run --threads T` only for keys captured with T threads. nil: unknown (other writers).
    public var captureThreads: Int?
    public var samples: [SampleEntry]

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", producer, model, modelFamily = "model_family"
        case modelDescription = "model_description", data, inputHashes = "input_hashes", layers, variants
        case numKeyValueHeads = "num_key_value_heads", headDim = "head_dim", template
        case imageTokensPerImage = "image_tokens_per_image", captureThreads = "capture_threads", samples
    }

    public init(producer: String, model: String, modelFamily: String, modelDescription: String, data: String,
                inputHashes: [String: String], layers: [Int], variants: [RopeVariant], numKeyValueHeads: Int,
                headDim: Int, template: String, imageTokensPerImage: Int, captureThreads: Int?, samples: [SampleEntry]) {
        format = Self.formatName; formatVersion = Self.currentVersion
        self.producer = producer; self.model = model; self.modelFamily = modelFamily
        self.modelDescription = modelDescription; self.data = data; self.inputHashes = inputHashes
        self.layers = layers; self.variants = variants; self.numKeyValueHeads = numKeyValueHeads
        self.headDim = headDim; self.template = template; self.imageTokensPerImage = imageTokensPerImage
        self.captureThreads = captureThreads
        self.samples = samples
    }

    /// Width of every key row: all KV heads concatenated.
    public var keyDim: Int { numKeyValueHeads * headDim }

    public func jsonData() throws -> Data {
        let e = JSONEncoder(); e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try e.encode(self)
    }

    /// Reads and checks `metadata.json` of `directory`.
    public static func load(directory: URL) throws -> KeyFileMetadata {
        let url = directory.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw KeyFileError.missingMetadata(directory.path)
        }
        let m: KeyFileMetadata
        do { m = try JSONDecoder().decode(KeyFileMetadata.self, from: data) } catch {
            throw KeyFileError.badMetadata(file: url.path, reason: "\(error)")
        }
        guard m.format == formatName else { throw KeyFileError.badMetadata(file: url.path, reason: "format is \"\(m.format)\", expected \"\(formatName)\"") }
        guard m.formatVersion == currentVersion else {
            throw KeyFileError.badMetadata(file: url.path, reason: "format_version \(m.formatVersion) is not supported (this keyscope reads \(currentVersion))")
        }
        for s in m.samples where (s.file == nil) == (s.unusable == nil) {
            throw KeyFileError.badMetadata(file: url.path, reason: "sample '\(s.id)': exactly one of file and unusable must be set")
        }
        guard Set(m.samples.map(\.id)).count == m.samples.count else {
            throw KeyFileError.badMetadata(file: url.path, reason: "samples: duplicate ids")
        }
        return m
    }

    /// `<id>.safetensors` when the id is a safe file name, else `%XX`-escaped.
    public static func fileName(forSample id: String) -> String {
        var out = ""
        for b in id.utf8 {
            let c = Character(Unicode.Scalar(b))
            let safe = (b < 0x80) && (c.isLetter || c.isNumber || c == "-" || c == "_" || (c == "." && !out.isEmpty))
            out += safe ? String(c) : String(format: "%%%02X", b)
        }
        return out + ".safetensors"
    }
}

/// Errors reading or writing a key directory; messages name the file and the field.
public enum KeyFileError: Error, CustomStringConvertible {
    case missingMetadata(String)
    case badMetadata(file: String, reason: String)
    case badSampleFile(file: String, reason: String)
    case unknownSample(String)
    case notCaptured(String)
    case exists(String)

    public var description: String {
        switch self {
        case .missingMetadata(let d): return "\(d): no metadata.json (not a key directory, or `keyscope keys` did not finish)"
        case .badMetadata(let f, let r): return "\(f): \(r)"
        case .badSampleFile(let f, let r): return "\(f): \(r)"
        case .unknownSample(let id): return "sample '\(id)' is not in this key directory's metadata.json"
        case .notCaptured(let m): return m
        case .exists(let d): return "\(d) already holds keys; pass --force to overwrite"
        }
    }
}

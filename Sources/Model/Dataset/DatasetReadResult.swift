import Foundation

/// A row a reader did not turn into a sample, and why. `row` is the 1-based line number for JSONL
/// and TSV (the line where the record starts; the TSV header is line 1) and the 1-based element
/// index for a JSON list.
public struct SkippedRow: Sendable, Equatable, CustomStringConvertible {
    public let row: Int
    public let reason: String
    public init(row: Int, reason: String) {
        self.row = row
        self.reason = reason
    }
    public var description: String { "row \(row): \(reason)" }
}

/// Samples read from one dataset file, plus every skipped row (bad rows never abort a read).
public struct DatasetReadResult: Sendable, Equatable {
    public let source: URL
    public let samples: [Sample]
    public let skipped: [SkippedRow]
    public var skippedCount: Int { skipped.count }

    public init(source: URL, samples: [Sample], skipped: [SkippedRow]) {
        self.source = source
        self.samples = samples
        self.skipped = skipped
    }
}

/// Whole-file failures (as opposed to skipped rows). Messages name the file.
public enum DatasetError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    /// The file's overall structure is wrong (not a JSON list, TSV without the required columns, …).
    case malformed(path: String, reason: String)
    /// Two rows share an id; statistics key on ids, so this is an error, not a skip.
    case duplicateID(path: String, id: String, firstRow: Int, row: Int)
    case unknownFormat(path: String)

    public var description: String {
        switch self {
        case .unreadable(let p, let r): return "\(p): cannot read: \(r)"
        case .malformed(let p, let r): return "\(p): \(r)"
        case .duplicateID(let p, let id, let a, let b): return "\(p): duplicate id '\(id)' in rows \(a) and \(b)"
        case .unknownFormat(let p): return "\(p): unknown dataset format (expected .jsonl, .json or .tsv)"
        }
    }
}

/// Supported dataset formats (docs/dataset-format.md).
public enum DatasetFormat: String, Sendable, Equatable, CaseIterable {
    /// keyscope's own JSON Lines schema.
    case jsonl
    /// LLaVA conversation JSON (`[{id, image, conversations: [...]}]`).
    case llavaJSON
    /// MMBench / MMBench-CN TSV with base64 images.
    case mmbenchTSV

    /// Infers the format from the file extension.
    public init?(fileExtensionOf url: URL) {
        switch url.pathExtension.lowercased() {
        case "jsonl": self = .jsonl
        case "json": self = .llavaJSON
        case "tsv": self = .mmbenchTSV
        default: return nil
        }
    }
}

/// Reads any supported dataset file.
public enum DatasetLoader {
    /// Reads `url` with the reader for `format` (inferred from the extension when nil).
    public static func read(_ url: URL, format: DatasetFormat? = nil) throws -> DatasetReadResult {
        guard let f = format ?? DatasetFormat(fileExtensionOf: url) else { throw DatasetError.unknownFormat(path: url.path) }
        switch f {
        case .jsonl: return try JSONLDatasetReader().read(url)
        case .llavaJSON: return try LlavaConversationReader().read(url)
        case .mmbenchTSV: return try MMBenchTSVReader().read(url)
        }
    }

    /// File bytes without a UTF-8 byte-order mark (spreadsheet exports often add one).
    static func load(_ url: URL) throws -> Data {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DatasetError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        return data.starts(with: [0xEF, 0xBB, 0xBF]) ? data.dropFirst(3) : data
    }

    /// Resolves an image path against the dataset file's folder (absolute paths stay as they are).
    static func resolve(_ path: String, relativeTo dataset: URL) -> URL {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL }
        return dataset.deletingLastPathComponent().appendingPathComponent(path).standardizedFileURL
    }

    /// Collects samples, skipping rows with a reason and failing on duplicate ids.
    struct Collector {
        let source: URL
        var samples: [Sample] = []
        var skipped: [SkippedRow] = []
        private var firstRow: [String: Int] = [:]

        init(source: URL) { self.source = source }

        mutating func add(_ sample: Sample, row: Int) throws {
            if let first = firstRow[sample.id] {
                throw DatasetError.duplicateID(path: source.path, id: sample.id, firstRow: first, row: row)
            }
            firstRow[sample.id] = row
            samples.append(sample)
        }
        mutating func skip(_ row: Int, _ reason: String) { skipped.append(SkippedRow(row: row, reason: reason)) }
        var result: DatasetReadResult { DatasetReadResult(source: source, samples: samples, skipped: skipped) }
    }

    /// True if the text has CJK ideographs (used to guess MMBench-CN rows when no language is given).
    static func looksChinese(_ s: String) -> Bool {
        s.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) || (0x3400...0x4DBF).contains($0.value) }
    }
}

import Foundation

/// Reads keyscope's JSON Lines dataset format (docs/dataset-format.md): one object per line with
/// `id`, `image` (path relative to the JSONL file), `question`, and optional `options`, `hint`,
/// `answer`, `lang`, `category`. Blank lines are ignored; any other bad line is skipped with its
/// line number and reason.
public struct JSONLDatasetReader: Sendable {
    /// Skip rows whose image file does not exist (on by default, so a run never starts on missing files).
    public var requireImageFiles: Bool

    public init(requireImageFiles: Bool = true) { self.requireImageFiles = requireImageFiles }

    public func read(_ url: URL) throws -> DatasetReadResult {
        let data = try DatasetLoader.load(url)
        guard let text = String(data: data, encoding: .utf8) else {
            throw DatasetError.unreadable(path: url.path, reason: "not UTF-8 text")
        }
        var collector = DatasetLoader.Collector(source: url)
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            let record: JSONLRecord
            do {
                record = try JSONDecoder().decode(JSONLRecord.self, from: Data(trimmed.utf8))
            } catch {
                collector.skip(lineNumber, DatasetRecordError.describe(error))
                continue
            }
            switch record.sample(datasetURL: url, requireImageFile: requireImageFiles) {
            case .success(let s): try collector.add(s, row: lineNumber)
            case .failure(let e): collector.skip(lineNumber, e.reason)
            }
        }
        return collector.result
    }
}

/// A reason a single record is unusable.
struct DatasetRecordError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }

    /// Turns a `DecodingError` into a short reason naming the field.
    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing field '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            let field = c.codingPath.map(\.stringValue).joined(separator: ".")
            return "field '\(field)': \(c.debugDescription)"
        case DecodingError.dataCorrupted(let c):
            if c.codingPath.isEmpty { return "invalid JSON" }
            return "field '\(c.codingPath.map(\.stringValue).joined(separator: "."))': \(c.debugDescription)"
        case let e as DatasetRecordError: return e.reason
        default: return "\(error)"
        }
    }
}

/// A JSON id that may be written as a string or an integer.
struct FlexibleID: Decodable {
    let value: String
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { value = s; return }
        if let i = try? c.decode(Int.self) { value = String(i); return }
        throw DecodingError.typeMismatch(String.self, .init(codingPath: decoder.codingPath, debugDescription: "id must be a string or an integer"))
    }
}

struct JSONLRecord: Decodable {
    let id: FlexibleID
    let image: String
    let question: String
    let options: Options?
    let hint: String?
    let answer: String?
    let lang: String?
    let category: String?

    /// `options` as an object `{"A": "...", ...}` (sorted by label) or a list (labelled A, B, C, …).
    struct Options: Decodable {
        let items: [SampleOption]
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let d = try? c.decode([String: String].self) {
                items = d.keys.sorted().map { SampleOption(label: $0, text: d[$0]!) }
            } else if let a = try? c.decode([String].self) {
                guard a.count <= 26 else {
                    throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "more than 26 options"))
                }
                items = a.enumerated().map { SampleOption(label: String(UnicodeScalar(65 + $0.offset)!), text: $0.element) }
            } else {
                throw DecodingError.typeMismatch([String: String].self, .init(codingPath: decoder.codingPath,
                    debugDescription: "options must be an object of label → text or a list of strings"))
            }
        }
    }

    func sample(datasetURL: URL, requireImageFile: Bool) -> Result<Sample, DatasetRecordError> {
        guard !id.value.isEmpty else { return .failure(DatasetRecordError("empty id")) }
        guard !image.isEmpty else { return .failure(DatasetRecordError("empty image path")) }
        guard !question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return .failure(DatasetRecordError("empty question"))
        }
        var language = SampleLanguage.en
        if let lang {
            switch lang.lowercased() {
            case "en": language = .en
            case "zh", "cn": language = .zh
            default: return .failure(DatasetRecordError("field 'lang': expected \"en\" or \"zh\", got \"\(lang)\""))
            }
        }
        let opts = options?.items ?? []
        if let bad = opts.first(where: { $0.label.isEmpty || $0.text.isEmpty }) {
            return .failure(DatasetRecordError("field 'options': empty label or text for '\(bad.label)'"))
        }
        let file = DatasetLoader.resolve(image, relativeTo: datasetURL)
        if requireImageFile, !FileManager.default.fileExists(atPath: file.path) {
            return .failure(DatasetRecordError("image not found: \(file.path)"))
        }
        return .success(Sample(id: id.value, image: .file(file), question: question, hint: hint.flatMap { $0.isEmpty ? nil : $0 },
                               options: opts, answer: answer, language: language, category: category))
    }
}

import Foundation

/// Reads LLaVA's conversation JSON (`llava_v1_5_mix665k.json`, LLaVA-Bench style): a list of
/// `{"id", "image", "conversations": [{"from": "human", "value": "<image>\n..."}, {"from": "gpt", ...}]}`.
/// The question is the first human turn with the `<image>` token removed (the template re-inserts
/// it); the answer is the first gpt turn. Entries without an image are skipped.
public struct LlavaConversationReader: Sendable {
    public var requireImageFiles: Bool
    public init(requireImageFiles: Bool = true) { self.requireImageFiles = requireImageFiles }

    public func read(_ url: URL) throws -> DatasetReadResult {
        let data = try DatasetLoader.load(url)
        let entries: [Lossy<Entry>]
        do {
            entries = try JSONDecoder().decode([Lossy<Entry>].self, from: data)
        } catch {
            throw DatasetError.malformed(path: url.path, reason: "expected a JSON list of conversation records (\(DatasetRecordError.describe(error)))")
        }
        var collector = DatasetLoader.Collector(source: url)
        for (i, entry) in entries.enumerated() {
            let row = i + 1
            switch entry.result {
            case .failure(let e): collector.skip(row, DatasetRecordError.describe(e))
            case .success(let e):
                switch e.sample(datasetURL: url, requireImageFile: requireImageFiles) {
                case .success(let s): try collector.add(s, row: row)
                case .failure(let err): collector.skip(row, err.reason)
                }
            }
        }
        return collector.result
    }

    /// Removes LLaVA's `<image>` token and the newline that joins it to the text.
    static func stripImageToken(_ value: String) -> String {
        var s = value.replacingOccurrences(of: "<image>\n", with: "")
        s = s.replacingOccurrences(of: "\n<image>", with: "")
        s = s.replacingOccurrences(of: "<image>", with: "")
        return s.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct Turn: Decodable {
        let from: String
        let value: String
    }

    struct Entry: Decodable {
        let id: FlexibleID
        let image: String?
        let conversations: [Turn]

        func sample(datasetURL: URL, requireImageFile: Bool) -> Result<Sample, DatasetRecordError> {
            guard !id.value.isEmpty else { return .failure(DatasetRecordError("empty id")) }
            guard let image, !image.isEmpty else { return .failure(DatasetRecordError("no image (text-only record)")) }
            guard let human = conversations.first(where: { $0.from == "human" }) else {
                return .failure(DatasetRecordError("no human turn in 'conversations'"))
            }
            let question = LlavaConversationReader.stripImageToken(human.value)
            guard !question.isEmpty else { return .failure(DatasetRecordError("empty question")) }
            let file = DatasetLoader.resolve(image, relativeTo: datasetURL)
            if requireImageFile, !FileManager.default.fileExists(atPath: file.path) {
                return .failure(DatasetRecordError("image not found: \(file.path)"))
            }
            let answer = conversations.first { $0.from == "gpt" }?.value
            return .success(Sample(id: id.value, image: .file(file), question: question, answer: answer,
                                   language: DatasetLoader.looksChinese(question) ? .zh : .en))
        }
    }
}

/// Decodes one list element without failing the whole list.
struct Lossy<T: Decodable>: Decodable {
    let result: Result<T, Error>
    init(from decoder: Decoder) throws {
        result = Result { try T(from: decoder) }
    }
}

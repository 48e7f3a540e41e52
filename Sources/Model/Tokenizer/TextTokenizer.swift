// The tokenizer interface the rest of keyscope uses, and the directory loader that picks an implementation.
import Foundation

/// A text tokenizer whose ids match Hugging Face `tokenizers` for the same files.
public protocol TextTokenizer: Sendable {
    /// Token ids of `text`; `addSpecialTokens` applies the post-processor (e.g. LLaVA's BOS `<s>`), as
    /// transformers' `tokenizer(text, add_special_tokens=...)` does.
    func encode(_ text: String, addSpecialTokens: Bool) -> [Int]
    /// Like `encode`, with the UTF-8 byte range of `text` each token came from.
    func encodeWithOffsets(_ text: String, addSpecialTokens: Bool) -> [TokenSpan]
    /// The text of `ids` as `tokenizer.decode(ids)` gives it (special tokens kept, no clean-up).
    func decode(_ ids: [Int]) -> String
    /// The id of one token given in its vocabulary spelling (e.g. "▁the", "Ġthe", "<image>").
    func tokenId(_ token: String) -> Int?
    /// Number of ids, added tokens included (`len(tokenizer)` in transformers).
    var vocabularySize: Int { get }
}

/// One token and where it came from.
public struct TokenSpan: Sendable, Equatable {
    public var id: Int
    /// Byte range in the UTF-8 of the encoded text. Tokens made from part of a character (byte fallback,
    /// byte-level BPE) cover exactly their bytes; tokens inserted by the post-processor have an empty range.
    /// Characters changed by normalization (NFC) map to the whole grapheme cluster they came from.
    public var utf8Range: Range<Int>
    /// True for added tokens marked special (`<image>`, `<|im_start|>`) and post-processor tokens (`<s>`).
    public var isSpecial: Bool

    public init(id: Int, utf8Range: Range<Int>, isSpecial: Bool) {
        self.id = id
        self.utf8Range = utf8Range
        self.isSpecial = isSpecial
    }
}

/// Entry point: load the tokenizer of a Hugging Face model directory.
public enum Tokenizer {
    /// Loads `tokenizer.json` when present, otherwise `vocab.json` + `merges.txt` (+ `tokenizer_config.json`
    /// for added tokens), the layout of Qwen2.5-VL checkpoints that ship no tokenizer.json.
    public static func load(directory: URL) throws -> any TextTokenizer {
        let fm = FileManager.default
        let json = directory.appendingPathComponent("tokenizer.json")
        let config = directory.appendingPathComponent("tokenizer_config.json")
        if fm.fileExists(atPath: json.path) {
            return try TokenizerJSONLoader.load(tokenizerJSON: json)
        }
        let vocab = directory.appendingPathComponent("vocab.json")
        let merges = directory.appendingPathComponent("merges.txt")
        if fm.fileExists(atPath: vocab.path), fm.fileExists(atPath: merges.path) {
            return try VocabMergesLoader.load(
                vocab: vocab, merges: merges, config: fm.fileExists(atPath: config.path) ? config : nil)
        }
        throw TokenizerError.missingFiles(directory: directory.path)
    }

    /// Loads a `tokenizer.json` file directly.
    public static func load(tokenizerJSON url: URL) throws -> any TextTokenizer {
        try TokenizerJSONLoader.load(tokenizerJSON: url)
    }
}

// Builds a BPETokenizer from a Hugging Face tokenizer.json, rejecting (with the field named) every
// component whose behaviour this package does not reproduce exactly.
import Foundation

enum TokenizerJSONLoader {
    static func load(tokenizerJSON url: URL) throws(TokenizerError) -> BPETokenizer {
        let file = url.path
        let root = try readJSON(url)
        return try build(root, file: file)
    }

    static func readJSON(_ url: URL) throws(TokenizerError) -> JSONValue {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadable(file: url.path, reason: "\(error.localizedDescription)")
        }
        do {
            return try JSONParser.parse([UInt8](data))
        } catch {
            throw .malformedJSON(file: url.path, error: error)
        }
    }

    static func build(_ root: JSONValue, file: String) throws(TokenizerError) -> BPETokenizer {
        guard root.objectValue != nil else { throw .invalidField(file: file, field: "(root)", reason: "not an object") }
        let f = FieldReader(file: file)
        let normalizer = try parseNormalizer(root["normalizer"], f, path: "normalizer")
        let preTokenizer = try parsePreTokenizer(root["pre_tokenizer"], f, path: "pre_tokenizer")
        guard let modelJSON = root["model"], modelJSON.objectValue != nil else {
            throw .invalidField(file: file, field: "model", reason: "missing")
        }
        let type = try f.string(modelJSON, "type", path: "model")
        guard type == "BPE" else { throw .unsupported(file: file, field: "model.type", value: type) }
        if let d = modelJSON["dropout"], !d.isNull { throw .unsupported(file: file, field: "model.dropout", value: "non-null") }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let v = modelJSON[key], !v.isNull, v.bytesValue != [] {
                throw .unsupported(file: file, field: "model.\(key)", value: v.stringValue ?? "?")
            }
        }
        guard let vocabMembers = modelJSON["vocab"]?.objectValue else {
            throw .invalidField(file: file, field: "model.vocab", reason: "missing or not an object")
        }
        var vocab: [[UInt8]: Int32] = [:]
        vocab.reserveCapacity(vocabMembers.count)
        for m in vocabMembers {
            guard let id = m.value.intValue, id >= 0, id < Int(Int32.max) else {
                throw .invalidField(file: file, field: "model.vocab[\(m.keyString)]", reason: "id is not a non-negative integer")
            }
            vocab[m.key] = Int32(id)
        }
        guard let mergeList = modelJSON["merges"]?.arrayValue else {
            throw .invalidField(file: file, field: "model.merges", reason: "missing or not an array")
        }
        var merges: [([UInt8], [UInt8])] = []
        merges.reserveCapacity(mergeList.count)
        for (i, m) in mergeList.enumerated() {
            if let pair = m.arrayValue, pair.count == 2, let a = pair[0].bytesValue, let b = pair[1].bytesValue {
                merges.append((a, b))
            } else if let s = m.bytesValue {
                let parts = s.split(separator: 0x20, omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw .invalidMerge(file: file, index: i, reason: "expected \"a b\"") }
                merges.append((Array(parts[0]), Array(parts[1])))
            } else {
                throw .invalidMerge(file: file, index: i, reason: "expected a pair of strings")
            }
        }
        let unk = modelJSON["unk_token"].flatMap { $0.bytesValue }
        let model = try makeModel(vocab: vocab, merges: merges, unk: unk,
                                  fuseUnk: modelJSON["fuse_unk"]?.boolValue ?? false,
                                  byteFallback: modelJSON["byte_fallback"]?.boolValue ?? false,
                                  ignoreMerges: modelJSON["ignore_merges"]?.boolValue ?? false,
                                  byteLevel: preTokenizer?.isByteLevel ?? false, file: file)

        var added: [AddedToken] = []
        for (i, t) in (root["added_tokens"]?.arrayValue ?? []).enumerated() {
            let path = "added_tokens[\(i)]"
            guard let id = t["id"]?.intValue, id >= 0, id < Int(Int32.max) else {
                throw .invalidField(file: file, field: "\(path).id", reason: "missing or not an integer")
            }
            guard let content = t["content"]?.bytesValue else {
                throw .invalidField(file: file, field: "\(path).content", reason: "missing or not a string")
            }
            let normalized = t["normalized"]?.boolValue ?? false
            if normalized, !normalizerKeepsASCII(normalizer) {
                throw .unsupported(file: file, field: "\(path).normalized", value: "true with this normalizer")
            }
            added.append(AddedToken(id: Int32(id), content: content, special: t["special"]?.boolValue ?? false,
                                    lstrip: t["lstrip"]?.boolValue ?? false, rstrip: t["rstrip"]?.boolValue ?? false,
                                    singleWord: t["single_word"]?.boolValue ?? false))
        }
        let post = try parsePostProcessor(root["post_processor"], f, path: "post_processor")
        let decoder = try parseDecoder(root["decoder"], f, path: "decoder")
        return BPETokenizer(model: model, addedTokens: added, normalizer: normalizer, preTokenizer: preTokenizer,
                            postProcessor: post, decoder: decoder)
    }

    static func makeModel(vocab: [[UInt8]: Int32], merges: [([UInt8], [UInt8])], unk: [UInt8]?, fuseUnk: Bool,
                          byteFallback: Bool, ignoreMerges: Bool, byteLevel: Bool, file: String)
        throws(TokenizerError) -> BPEModel {
        do {
            return try BPEModel(vocab: vocab, merges: merges, unkToken: unk, fuseUnk: fuseUnk, byteFallback: byteFallback,
                                ignoreMerges: ignoreMerges, byteLevel: byteLevel)
        } catch {
            switch error {
            case .unknownMergePart(let i, let t):
                throw .invalidMerge(file: file, index: i, reason: "token \(String(decoding: t, as: UTF8.self)) not in vocab")
            case .unknownMergeResult(let i, let t):
                throw .invalidMerge(file: file, index: i, reason: "merged token \(String(decoding: t, as: UTF8.self)) not in vocab")
            case .unknownUnk(let t):
                throw .invalidField(file: file, field: "model.unk_token", reason: "\(String(decoding: t, as: UTF8.self)) not in vocab")
            }
        }
    }

    /// Added tokens flagged `normalized` are matched before normalization here, which is exact only when
    /// the normalizer leaves their (ASCII) text alone.
    static func normalizerKeepsASCII(_ n: Normalizer?) -> Bool {
        guard let n else { return true }
        if case .nfc = n { return true }
        return false
    }

    // MARK: Components

    static func parseNormalizer(_ v: JSONValue?, _ f: FieldReader, path: String) throws(TokenizerError) -> Normalizer? {
        guard let v, !v.isNull else { return nil }
        let type = try f.string(v, "type", path: path)
        switch type {
        case "NFC": return .nfc
        case "Prepend": return .prepend(try f.bytes(v, "prepend", path: path))
        case "Replace":
            return .replace(pattern: try f.stringPattern(v, path: path), content: try f.bytes(v, "content", path: path))
        case "Sequence":
            guard let list = v["normalizers"]?.arrayValue else {
                throw .invalidField(file: f.file, field: "\(path).normalizers", reason: "missing or not an array")
            }
            var out: [Normalizer] = []
            for (i, n) in list.enumerated() {
                if let p = try parseNormalizer(n, f, path: "\(path).normalizers[\(i)]") { out.append(p) }
            }
            return .sequence(out)
        default: throw .unsupported(file: f.file, field: "\(path).type", value: type)
        }
    }

    static func parsePreTokenizer(_ v: JSONValue?, _ f: FieldReader, path: String) throws(TokenizerError) -> PreTokenizer? {
        guard let v, !v.isNull else { return nil }
        let type = try f.string(v, "type", path: path)
        switch type {
        case "Split":
            guard let regex = v["pattern"]?["Regex"]?.stringValue, let pattern = SplitPattern(source: regex) else {
                throw .unsupported(file: f.file, field: "\(path).pattern", value: "only the Qwen2 and GPT-2 regexes")
            }
            let behavior = v["behavior"]?.stringValue ?? ""
            guard behavior == "Isolated", v["invert"]?.boolValue != true else {
                throw .unsupported(file: f.file, field: "\(path).behavior", value: behavior)
            }
            return .split(pattern)
        case "ByteLevel":
            if v["add_prefix_space"]?.boolValue == true {
                throw .unsupported(file: f.file, field: "\(path).add_prefix_space", value: "true")
            }
            return .byteLevel(useRegex: v["use_regex"]?.boolValue ?? true)
        case "Sequence":
            guard let list = v["pretokenizers"]?.arrayValue else {
                throw .invalidField(file: f.file, field: "\(path).pretokenizers", reason: "missing or not an array")
            }
            var out: [PreTokenizer] = []
            for (i, p) in list.enumerated() {
                if let q = try parsePreTokenizer(p, f, path: "\(path).pretokenizers[\(i)]") { out.append(q) }
            }
            return .sequence(out)
        default: throw .unsupported(file: f.file, field: "\(path).type", value: type)
        }
    }

    static func parsePostProcessor(_ v: JSONValue?, _ f: FieldReader, path: String) throws(TokenizerError) -> PostProcessor {
        guard let v, !v.isNull else { return .none }
        let type = try f.string(v, "type", path: path)
        switch type {
        case "ByteLevel": return .none  // changes offsets only (trim_offsets), never ids
        case "Sequence":
            var result = PostProcessor.none
            for (i, p) in (v["processors"]?.arrayValue ?? []).enumerated() {
                let q = try parsePostProcessor(p, f, path: "\(path).processors[\(i)]")
                result = PostProcessor(prefix: result.prefix + q.prefix, suffix: q.suffix + result.suffix)
            }
            return result
        case "TemplateProcessing":
            guard let single = v["single"]?.arrayValue else {
                throw .invalidField(file: f.file, field: "\(path).single", reason: "missing or not an array")
            }
            var prefix: [Int32] = [], suffix: [Int32] = []
            var seenSequence = false
            for (i, item) in single.enumerated() {
                if let special = item["SpecialToken"] {
                    let name = try f.string(special, "id", path: "\(path).single[\(i)].SpecialToken")
                    guard let ids = v["special_tokens"]?[name]?["ids"]?.arrayValue else {
                        throw .invalidField(file: f.file, field: "\(path).special_tokens.\(name)", reason: "missing")
                    }
                    let values = ids.compactMap { $0.intValue }.map { Int32($0) }
                    if seenSequence { suffix += values } else { prefix += values }
                } else if item["Sequence"] != nil {
                    if seenSequence { throw .unsupported(file: f.file, field: "\(path).single", value: "two sequences") }
                    seenSequence = true
                } else {
                    throw .invalidField(file: f.file, field: "\(path).single[\(i)]", reason: "unknown template piece")
                }
            }
            return PostProcessor(prefix: prefix, suffix: suffix)
        default: throw .unsupported(file: f.file, field: "\(path).type", value: type)
        }
    }

    static func parseDecoder(_ v: JSONValue?, _ f: FieldReader, path: String) throws(TokenizerError) -> TokenDecoder? {
        guard let v, !v.isNull else { return nil }
        let type = try f.string(v, "type", path: path)
        switch type {
        case "ByteLevel": return .byteLevel
        case "ByteFallback": return .byteFallback
        case "Fuse": return .fuse
        case "Replace":
            return .replace(pattern: try f.stringPattern(v, path: path), content: try f.bytes(v, "content", path: path))
        case "Strip":
            let content = try f.bytes(v, "content", path: path)
            guard String(decoding: content, as: UTF8.self).unicodeScalars.count == 1 else {
                throw .invalidField(file: f.file, field: "\(path).content", reason: "must be one character")
            }
            return .strip(content: content, start: v["start"]?.intValue ?? 0, stop: v["stop"]?.intValue ?? 0)
        case "Sequence":
            guard let list = v["decoders"]?.arrayValue else {
                throw .invalidField(file: f.file, field: "\(path).decoders", reason: "missing or not an array")
            }
            var out: [TokenDecoder] = []
            for (i, d) in list.enumerated() {
                if let q = try parseDecoder(d, f, path: "\(path).decoders[\(i)]") { out.append(q) }
            }
            return .sequence(out)
        default: throw .unsupported(file: f.file, field: "\(path).type", value: type)
        }
    }
}

/// Typed field access that names the file and field path in errors.
struct FieldReader {
    let file: String

    func string(_ v: JSONValue, _ key: String, path: String) throws(TokenizerError) -> String {
        guard let s = v[key]?.stringValue else {
            throw .invalidField(file: file, field: "\(path).\(key)", reason: "missing or not a string")
        }
        return s
    }

    func bytes(_ v: JSONValue, _ key: String, path: String) throws(TokenizerError) -> [UInt8] {
        guard let s = v[key]?.bytesValue else {
            throw .invalidField(file: file, field: "\(path).\(key)", reason: "missing or not a string")
        }
        return s
    }

    /// `"pattern": {"String": "…"}`; regex patterns are not supported in Replace.
    func stringPattern(_ v: JSONValue, path: String) throws(TokenizerError) -> [UInt8] {
        guard let p = v["pattern"]?["String"]?.bytesValue else {
            throw .unsupported(file: file, field: "\(path).pattern", value: "only {\"String\": …} patterns")
        }
        return p
    }
}

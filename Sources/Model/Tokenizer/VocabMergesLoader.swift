// Builds the byte-level BPE tokenizer that transformers' Qwen2Tokenizer (or GPT2Tokenizer) constructs
// from vocab.json + merges.txt + tokenizer_config.json, for checkpoints that ship no tokenizer.json.
import Foundation

enum VocabMergesLoader {
    static func load(vocab vocabURL: URL, merges mergesURL: URL, config configURL: URL?) throws(TokenizerError) -> BPETokenizer {
        let vocabFile = vocabURL.path
        guard let members = try TokenizerJSONLoader.readJSON(vocabURL).objectValue else {
            throw .invalidField(file: vocabFile, field: "(root)", reason: "not an object")
        }
        var vocab: [[UInt8]: Int32] = [:]
        vocab.reserveCapacity(members.count)
        for m in members {
            guard let id = m.value.intValue, id >= 0, id < Int(Int32.max) else {
                throw .invalidField(file: vocabFile, field: m.keyString, reason: "id is not a non-negative integer")
            }
            vocab[m.key] = Int32(id)
        }
        let merges = try readMerges(mergesURL)
        let config = try configURL.map { (u) throws(TokenizerError) in try TokenizerJSONLoader.readJSON(u) }
        let configFile = configURL?.path ?? "tokenizer_config.json"

        // Pipeline of the class named in the config (Qwen2Tokenizer when absent, as for Qwen2.5-VL).
        let tokenizerClass = config?["tokenizer_class"]?.stringValue ?? "Qwen2Tokenizer"
        let normalizer: Normalizer?
        let preTokenizer: PreTokenizer
        if tokenizerClass.hasPrefix("Qwen2Tokenizer") {
            normalizer = .nfc
            preTokenizer = .sequence([.split(.qwen2), .byteLevel(useRegex: false)])
        } else if tokenizerClass.hasPrefix("GPT2Tokenizer") {
            normalizer = nil
            preTokenizer = .byteLevel(useRegex: true)
        } else {
            throw .unsupported(file: configFile, field: "tokenizer_class", value: tokenizerClass)
        }
        if config?["add_prefix_space"]?.boolValue == true {
            throw .unsupported(file: configFile, field: "add_prefix_space", value: "true")
        }
        let model = try TokenizerJSONLoader.makeModel(
            vocab: vocab, merges: merges, unk: nil, fuseUnk: false, byteFallback: false, ignoreMerges: false,
            byteLevel: true, file: mergesURL.path)

        var added: [AddedToken] = []
        if let decoderMap = config?["added_tokens_decoder"]?.objectValue {
            for m in decoderMap {
                let field = "added_tokens_decoder.\(m.keyString)"
                guard let id = Int(m.keyString), id >= 0, id < Int(Int32.max) else {
                    throw .invalidField(file: configFile, field: field, reason: "key is not an integer id")
                }
                guard let content = m.value["content"]?.bytesValue else {
                    throw .invalidField(file: configFile, field: "\(field).content", reason: "missing or not a string")
                }
                added.append(AddedToken(id: Int32(id), content: content,
                                        special: m.value["special"]?.boolValue ?? false,
                                        lstrip: m.value["lstrip"]?.boolValue ?? false,
                                        rstrip: m.value["rstrip"]?.boolValue ?? false,
                                        singleWord: m.value["single_word"]?.boolValue ?? false))
            }
        }
        added.sort { $0.id < $1.id }
        let post = try postProcessor(config, added: added, vocab: vocab, file: configFile)
        return BPETokenizer(model: model, addedTokens: added, normalizer: normalizer, preTokenizer: preTokenizer,
                            postProcessor: post, decoder: .byteLevel)
    }

    /// transformers' `update_post_processor`: BOS/EOS around the text when add_bos_token / add_eos_token.
    static func postProcessor(_ config: JSONValue?, added: [AddedToken], vocab: [[UInt8]: Int32], file: String)
        throws(TokenizerError) -> PostProcessor {
        func id(of key: String) throws(TokenizerError) -> [Int32] {
            guard let name = config?[key]?.bytesValue ?? config?[key]?["content"]?.bytesValue else { return [] }
            if let t = added.first(where: { $0.content == name }) { return [t.id] }
            if let v = vocab[name] { return [v] }
            throw .invalidField(file: file, field: key, reason: "token not in the vocabulary")
        }
        let prefix = config?["add_bos_token"]?.boolValue == true ? try id(of: "bos_token") : []
        let suffix = config?["add_eos_token"]?.boolValue == true ? try id(of: "eos_token") : []
        return PostProcessor(prefix: prefix, suffix: suffix)
    }

    /// merges.txt: one "a b" pair per line; `#version` lines skipped (tokenizers' convert_merges_to_hashmap).
    static func readMerges(_ url: URL) throws(TokenizerError) -> [([UInt8], [UInt8])] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadable(file: url.path, reason: error.localizedDescription)
        }
        var merges: [([UInt8], [UInt8])] = []
        merges.reserveCapacity(data.count / 10)
        let version = Array("#version".utf8)
        var bad = -1
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            let n = bytes.count
            var lineStart = 0
            while lineStart < n {
                var end = lineStart
                var space = -1, spaces = 0
                while end < n && bytes[end] != 0x0A {
                    if bytes[end] == 0x20 { spaces += 1; space = end }
                    end += 1
                }
                var lineEnd = end
                if lineEnd > lineStart && bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let line = UnsafeBufferPointer(rebasing: bytes[lineStart..<lineEnd])
                if !line.starts(with: version) {
                    if spaces != 1 || space >= lineEnd { bad = merges.count; return }
                    merges.append((Array(bytes[lineStart..<space]), Array(bytes[(space + 1)..<lineEnd])))
                }
                lineStart = end + 1
            }
        }
        if bad >= 0 { throw .invalidMerge(file: url.path, index: bad, reason: "line is not \"a b\"") }
        return merges
    }
}

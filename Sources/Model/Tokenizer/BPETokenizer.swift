// The tokenizers pipeline for BPE models: added tokens → normalizer → pre-tokenizer → BPE → post-processor.

/// A BPE tokenizer built from tokenizer.json or vocab.json + merges.txt; ids equal Hugging Face `tokenizers`.
public struct BPETokenizer: TextTokenizer {
    let model: BPEModel
    let addedTokens: AddedTokenMatcher
    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let postProcessor: PostProcessor
    let decoder: TokenDecoder?
    /// Added-token id → token, for decoding and `tokenId`.
    let addedById: [Int32: AddedToken]
    let addedByContent: [[UInt8]: Int32]
    public let vocabularySize: Int

    init(model: BPEModel, addedTokens: [AddedToken], normalizer: Normalizer?, preTokenizer: PreTokenizer?,
         postProcessor: PostProcessor, decoder: TokenDecoder?) {
        self.model = model
        self.addedTokens = AddedTokenMatcher(tokens: addedTokens)
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.postProcessor = postProcessor
        self.decoder = decoder
        var byId: [Int32: AddedToken] = [:]
        var byContent: [[UInt8]: Int32] = [:]
        for t in addedTokens {
            byId[t.id] = t
            if byContent[t.content] == nil { byContent[t.content] = t.id }
        }
        addedById = byId
        addedByContent = byContent
        // get_vocab_size(with_added_tokens: true): model ids plus added ids beyond them.
        let maxAdded = addedTokens.map { Int($0.id) }.max() ?? -1
        vocabularySize = max(model.tokens.count, maxAdded + 1)
    }

    public func encode(_ text: String, addSpecialTokens: Bool) -> [Int] {
        var out: [Int] = []
        run(text, addSpecialTokens: addSpecialTokens, offsets: false) { id, _, _ in out.append(Int(id)) }
        return out
    }

    public func encodeWithOffsets(_ text: String, addSpecialTokens: Bool) -> [TokenSpan] {
        var out: [TokenSpan] = []
        run(text, addSpecialTokens: addSpecialTokens, offsets: true) { id, range, special in
            out.append(TokenSpan(id: Int(id), utf8Range: range, isSpecial: special))
        }
        return out
    }

    public func decode(_ ids: [Int]) -> String {
        var tokens: [[UInt8]] = []
        tokens.reserveCapacity(ids.count)
        for id in ids {
            guard id >= 0, id <= Int(Int32.max) else { continue }
            if let t = addedById[Int32(id)] {
                tokens.append(t.content)
            } else if id < model.tokens.count, !model.tokens[id].isEmpty {
                tokens.append(model.tokens[id])
            }
        }
        let decoded = decoder.map { $0.decodeChain(tokens) } ?? tokens
        return String(decoding: decoded.joined(), as: UTF8.self)
    }

    public func tokenId(_ token: String) -> Int? {
        let bytes = Array(token.utf8)
        if let id = addedByContent[bytes] { return Int(id) }
        return model.vocab[bytes].map(Int.init)
    }

    /// Calls `emit(id, utf8 range in text, isSpecial)` for every token, in order; ranges only when `offsets`.
    private func run(_ text: String, addSpecialTokens: Bool, offsets: Bool, _ emit: (Int32, Range<Int>, Bool) -> Void) {
        var text = text
        text.withUTF8 { input in
            if addSpecialTokens { for id in postProcessor.prefix { emit(id, 0..<0, true) } }
            let scratch = BPEScratch()
            let scalars = ScalarClasses()
            var tokens: [ModelToken] = []
            var pieces: [Range<Int>] = []
            for segment in addedTokens.split(input) {
                switch segment {
                case .token(let t, let range):
                    emit(t.id, range, t.special)
                case .text(let range):
                    var normalized = NormalizedText(input, range: range, tracksOrigin: offsets)
                    normalizer?.apply(&normalized)
                    tokens.removeAll(keepingCapacity: true)
                    normalized.bytes.withUnsafeBufferPointer { bytes in
                        pieces.removeAll(keepingCapacity: true)
                        pieces.append(0..<bytes.count)
                        preTokenizer?.apply(bytes, pieces: &pieces, scalars: scalars)
                        for piece in pieces { model.tokenize(bytes, range: piece, scratch: scratch, into: &tokens) }
                    }
                    for t in tokens {
                        emit(t.id, offsets ? normalized.origin(of: Int(t.start)..<Int(t.end)) : 0..<0, false)
                    }
                }
            }
            if addSpecialTokens { for id in postProcessor.suffix { emit(id, input.count..<input.count, true) } }
        }
    }
}

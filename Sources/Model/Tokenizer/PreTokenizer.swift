// Pre-tokenizers of tokenizer.json that byte-level and SentencePiece-style BPE use here.

indirect enum PreTokenizer: Sendable {
    /// `Split` with behavior Isolated, invert false.
    case split(SplitPattern)
    /// `ByteLevel` with add_prefix_space false: bytes become GPT-2 alphabet characters for the model
    /// (handled by the BPE model's byte-level input); with `useRegex` it first splits by the GPT-2 pattern.
    case byteLevel(useRegex: Bool)
    case sequence([PreTokenizer])

    /// Whether the model sees bytes (byte-level) rather than characters.
    var isByteLevel: Bool {
        switch self {
        case .byteLevel: return true
        case .split: return false
        case .sequence(let list): return list.contains(where: { $0.isByteLevel })
        }
    }

    /// Refines `pieces` (byte ranges of `bytes`) in place.
    func apply(_ bytes: UnsafeBufferPointer<UInt8>, pieces: inout [Range<Int>], scalars: ScalarClasses) {
        switch self {
        case .sequence(let list):
            for p in list { p.apply(bytes, pieces: &pieces, scalars: scalars) }
        case .byteLevel(let useRegex):
            if useRegex { PreTokenizer.split(.gpt2, bytes, &pieces, scalars) }
        case .split(let pattern):
            PreTokenizer.split(pattern, bytes, &pieces, scalars)
        }
    }

    private static func split(_ pattern: SplitPattern, _ bytes: UnsafeBufferPointer<UInt8>,
                              _ pieces: inout [Range<Int>], _ scalars: ScalarClasses) {
        var out: [Range<Int>] = []
        out.reserveCapacity(bytes.count / 3 + 4)
        for piece in pieces where !piece.isEmpty { pattern.split(bytes, range: piece, scalars: scalars, into: &out) }
        pieces = out
    }
}

import Math

/// The input embedding both families build: token rows of `embed_tokens`, with image features taking,
/// in order, the positions marked as image tokens. The caller has already checked that the number of
/// marked positions equals `features.rows`.
enum TokenEmbedding {
    /// A non-image id outside the vocabulary; each family wraps it in its own error.
    struct OutOfVocabulary: Error { var position: Int; var id: Int }

    static func scatter(ids: [Int], isImage: [Bool], features: Tensor?, embedTokens: Tensor) throws(OutOfVocabulary) -> Tensor {
        let d = embedTokens.cols, vocab = embedTokens.rows
        var out = [Float](repeating: 0, count: ids.count * d)
        var next = 0
        for (t, id) in ids.enumerated() {
            if isImage[t], let features {
                out.replaceSubrange((t * d)..<((t + 1) * d), with: features[row: next])
                next += 1
            } else {
                guard (0..<vocab).contains(id) else { throw OutOfVocabulary(position: t, id: id) }
                out.replaceSubrange((t * d)..<((t + 1) * d), with: embedTokens[row: id])
            }
        }
        return Tensor(shape: [ids.count, d], data: out)
    }
}

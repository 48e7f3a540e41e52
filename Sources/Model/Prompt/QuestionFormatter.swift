/// The user's text for a sample, with byte ranges of its parts (relative to `text`).
public struct UserText: Sendable, Equatable {
    public enum Part: String, Sendable, Equatable, CaseIterable {
        case hint, question, options, instruction
    }
    public let text: String
    /// Parts in order; the `\n` separators between them belong to no part.
    public let parts: [(part: Part, bytes: Range<Int>)]

    public static func == (a: UserText, b: UserText) -> Bool {
        a.text == b.text && a.parts.map(\.part) == b.parts.map(\.part) && a.parts.map(\.bytes) == b.parts.map(\.bytes)
    }
}

/// Formats a sample's question as LLaVA's MMBench evaluation does (`llava/eval/model_vqa_mmbench.py`
/// with `--single-pred-prompt`): optional hint line, the question, one `L. option` line per option,
/// then the answer instruction ("Answer with the option's letter from the given choices directly."
/// or, for MMBench-CN, "请直接回答选项字母。"). Open questions are passed through unchanged.
public struct QuestionFormatter: Sendable {
    public static let englishInstruction = "Answer with the option's letter from the given choices directly."
    public static let chineseInstruction = "请直接回答选项字母。"

    public init() {}

    public func userText(for sample: Sample) -> UserText {
        var text = ""
        var parts: [(UserText.Part, Range<Int>)] = []
        func append(_ s: String, _ part: UserText.Part) {
            if !parts.isEmpty { text += "\n" }
            let start = text.utf8.count
            text += s
            parts.append((part, start..<text.utf8.count))
        }
        if let hint = sample.hint, !hint.isEmpty { append(hint, .hint) }
        append(sample.question, .question)
        if sample.isMultipleChoice {
            append(sample.options.map { "\($0.label). \($0.text)" }.joined(separator: "\n"), .options)
            append(sample.language == .zh ? Self.chineseInstruction : Self.englishInstruction, .instruction)
        }
        return UserText(text: text, parts: parts.map { (part: $0.0, bytes: $0.1) })
    }
}

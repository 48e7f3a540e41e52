import Foundation

/// The two model families keyscope prompts (DESIGN §3).
public enum ModelFamily: String, Sendable, Equatable, CaseIterable {
    case llava
    case qwen25vl

    /// The text of one image token in the rendered prompt. Qwen's `<|vision_start|>` and
    /// `<|vision_end|>` around it are template tokens, not image features.
    public var imagePlaceholder: String {
        switch self {
        case .llava: return "<image>"
        case .qwen25vl: return "<|image_pad|>"
        }
    }
}

/// Builds each sample's prompt with the model's own chat template (one user turn: an image
/// content block, then the formatted question; optional system turn) and records which bytes are
/// image placeholder, user question and template text.
///
/// LLaVA-1.5's template yields `USER: <image>\n<question> ASSISTANT:`; Qwen2.5-VL's yields
/// `<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|><question><|im_end|>\n<|im_start|>assistant\n`.
/// Expanding the placeholder to the real number of image tokens is the caller's job
/// (`Prompt.expandingImageTokens(to:)`), since it depends on the preprocessed image size.
public struct PromptBuilder: Sendable {
    public let family: ModelFamily
    public let chatTemplate: ChatTemplate
    /// Text of an explicit system turn; nil renders none (Qwen's template then adds its default).
    public var systemPrompt: String?
    public var formatter: QuestionFormatter
    /// Extra template variables (e.g. `bos_token`); neither built-in template uses any.
    public var templateVariables: [String: JinjaValue]

    public init(family: ModelFamily, chatTemplate: ChatTemplate, systemPrompt: String? = nil,
                formatter: QuestionFormatter = QuestionFormatter(), templateVariables: [String: JinjaValue] = [:]) {
        self.family = family
        self.chatTemplate = chatTemplate
        self.systemPrompt = systemPrompt
        self.formatter = formatter
        self.templateVariables = templateVariables
    }

    /// Uses the chat template found in a Hugging Face model directory.
    public init(family: ModelFamily, modelDirectory: URL, systemPrompt: String? = nil) throws {
        self.init(family: family, chatTemplate: try ChatTemplate(modelDirectory: modelDirectory), systemPrompt: systemPrompt)
    }

    /// The conversation passed to the chat template for a given user text.
    public func messages(userText: String) -> [JinjaValue] {
        var messages: [JinjaValue] = []
        if let systemPrompt {
            messages.append(["role": "system", "content": [["type": "text", "text": .string(systemPrompt)]]])
        }
        messages.append(["role": "user", "content": [["type": "image"], ["type": "text", "text": .string(userText)]]])
        return messages
    }

    public func build(_ sample: Sample) throws -> Prompt {
        try build(userText: formatter.userText(for: sample), sampleID: sample.id)
    }

    public func build(userText: UserText, sampleID: String) throws -> Prompt {
        let placeholder = family.imagePlaceholder
        guard !userText.text.contains(placeholder) else {
            throw PromptError.placeholderInQuestion(sampleID: sampleID, placeholder: placeholder)
        }
        // Render once with a sentinel in place of the question to find where the template puts it,
        // then check that the real render is exactly prefix + question + suffix.
        let sentinel = "\u{F8FF}keyscope-question\u{F8FF}"
        let marked = try chatTemplate.render(messages: messages(userText: sentinel), addGenerationPrompt: true,
                                             extra: templateVariables)
        let real = try chatTemplate.render(messages: messages(userText: userText.text), addGenerationPrompt: true,
                                           extra: templateVariables)
        let pieces = marked.components(separatedBy: sentinel)
        guard pieces.count == 2, pieces[0] + userText.text + pieces[1] == real else {
            throw PromptError.questionNotVerbatim(sampleID: sampleID)
        }
        let qStart = pieces[0].utf8.count
        let qEnd = qStart + userText.text.utf8.count
        let images = Self.occurrences(of: placeholder, in: pieces[0], offset: 0)
            + Self.occurrences(of: placeholder, in: pieces[1], offset: qEnd)
        guard !images.isEmpty else { throw PromptError.placeholderMissing(sampleID: sampleID, placeholder: placeholder) }

        var marks: [(Range<Int>, TokenRole)] = images.map { ($0, .image) } + [(qStart..<qEnd, .question)]
        marks.sort { $0.0.lowerBound < $1.0.lowerBound }
        var spans: [PromptSpan] = []
        var cursor = 0
        for (range, role) in marks where !range.isEmpty {
            if range.lowerBound > cursor { spans.append(PromptSpan(role: .template, bytes: cursor..<range.lowerBound)) }
            spans.append(PromptSpan(role: role, bytes: range))
            cursor = range.upperBound
        }
        let total = real.utf8.count
        if cursor < total { spans.append(PromptSpan(role: .template, bytes: cursor..<total)) }
        return Prompt(text: real, spans: spans, placeholder: placeholder, imageTokenCounts: Array(repeating: 1, count: images.count),
                      userParts: userText.parts.map { (part: $0.part, bytes: ($0.bytes.lowerBound + qStart)..<($0.bytes.upperBound + qStart)) })
    }

    static func occurrences(of needle: String, in haystack: String, offset: Int) -> [Range<Int>] {
        let h = Array(haystack.utf8), n = Array(needle.utf8)
        var result: [Range<Int>] = []
        var i = 0
        while i + n.count <= h.count {
            if h[i] == n[0], Array(h[i..<i + n.count]) == n {
                result.append((offset + i)..<(offset + i + n.count))
                i += n.count
            } else { i += 1 }
        }
        return result
    }
}

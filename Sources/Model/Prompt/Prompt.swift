/// What a prompt position is, for splitting keys by modality and role (DESIGN §3): `image` =
/// positions that will hold image features, `question` = the user's text, `template` = everything
/// the chat template added (role markers, system prompt, `<|vision_start|>`, …).
public enum TokenRole: String, Sendable, Equatable, CaseIterable {
    case image, template, question
}

/// A contiguous run of prompt bytes with one role.
public struct PromptSpan: Sendable, Equatable {
    public let role: TokenRole
    public let bytes: Range<Int>
    public init(role: TokenRole, bytes: Range<Int>) {
        self.role = role
        self.bytes = bytes
    }
}

/// Errors building or expanding a prompt; each names the sample.
public enum PromptError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The question text contains the image placeholder, which the tokenizer would turn into an image token.
    case placeholderInQuestion(sampleID: String, placeholder: String)
    /// The chat template altered the user's text (e.g. trimmed it), so its byte range is unknown.
    case questionNotVerbatim(sampleID: String)
    /// The rendered prompt has no image placeholder outside the question.
    case placeholderMissing(sampleID: String, placeholder: String)
    case invalidImageTokenCount(Int)
    /// `expandingImageTokens(counts:)` got a count list whose length differs from the number of images.
    case imageCountMismatch(images: Int, counts: Int)

    public var description: String {
        switch self {
        case .placeholderInQuestion(let id, let p): return "sample \(id): question text contains the image placeholder \(p)"
        case .questionNotVerbatim(let id): return "sample \(id): the chat template does not insert the question verbatim"
        case .placeholderMissing(let id, let p): return "sample \(id): rendered prompt has no \(p) placeholder"
        case .invalidImageTokenCount(let n): return "image token count must be ≥ 1, got \(n)"
        case .imageCountMismatch(let i, let c): return "prompt has \(i) image(s) but \(c) token count(s) were given"
        }
    }
}

/// A rendered prompt and the role of every byte of it. Byte offsets are UTF-8, matching the
/// offsets Hugging Face tokenizers report, so `role(ofTokenBytes:)` labels each token.
public struct Prompt: Sendable, Equatable {
    public let text: String
    /// Contiguous, ordered spans covering `0 ..< text.utf8.count`.
    public let spans: [PromptSpan]
    /// The string one image token is written as (`<image>`, `<|image_pad|>`).
    public let placeholder: String
    /// Copies of `placeholder` for each image, in prompt order; all 1 until expanded.
    public let imageTokenCounts: [Int]
    /// Total image tokens (the number of `image`-role tokens after tokenisation).
    public var imageTokenCount: Int { imageTokenCounts.reduce(0, +) }
    /// Byte ranges of the user text's parts (hint, question, options, instruction) in `text`.
    public let userParts: [(part: UserText.Part, bytes: Range<Int>)]

    public static func == (a: Prompt, b: Prompt) -> Bool {
        a.text == b.text && a.spans == b.spans && a.placeholder == b.placeholder && a.imageTokenCounts == b.imageTokenCounts
            && a.userParts.map(\.part) == b.userParts.map(\.part) && a.userParts.map(\.bytes) == b.userParts.map(\.bytes)
    }

    /// Byte ranges of each image's placeholder run (one range per image).
    public var imageRanges: [Range<Int>] { spans.filter { $0.role == .image }.map(\.bytes) }
    /// Byte range of the user's text.
    public var questionRange: Range<Int>? { spans.first { $0.role == .question }?.bytes }
    public var byteCount: Int { text.utf8.count }

    /// Role of the byte at `offset` (`template` outside the text).
    public func role(atByte offset: Int) -> TokenRole {
        var lo = 0, hi = spans.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            if spans[mid].bytes.upperBound <= offset { lo = mid + 1 }
            else if spans[mid].bytes.lowerBound > offset { hi = mid - 1 }
            else { return spans[mid].role }
        }
        return .template
    }

    /// Role of a token from its tokenizer byte offsets: the role of its first non-whitespace byte
    /// (a leading space/newline merged into a word token does not make the word a template token).
    /// Empty ranges — tokens the tokenizer adds, such as `<s>` — are `template`.
    public func role(ofTokenBytes range: Range<Int>) -> TokenRole {
        guard !range.isEmpty else { return .template }
        let bytes = Array(text.utf8)
        for i in range where i < bytes.count && ![0x20, 0x0a, 0x09, 0x0d].contains(bytes[i]) {
            return role(atByte: i)
        }
        return role(atByte: range.lowerBound)
    }

    /// Roles of a tokenised prompt, one per token, from the tokenizer's byte offsets.
    public func roles(forTokenBytes offsets: [Range<Int>]) -> [TokenRole] {
        offsets.map { role(ofTokenBytes: $0) }
    }

    /// The prompt with every image placeholder repeated `count` times — what the processor does
    /// before tokenising (LLaVA-1.5: 576 `<image>` for 336 px; Qwen2.5-VL: grid_t·grid_h·grid_w / merge²
    /// `<|image_pad|>` per image, computed by the caller from the image grid).
    public func expandingImageTokens(to count: Int) throws -> Prompt {
        try expandingImageTokens(counts: Array(repeating: count, count: imageRanges.count))
    }

    /// Per-image expansion: image `i` (in prompt order) becomes `counts[i]` placeholder copies.
    public func expandingImageTokens(counts: [Int]) throws -> Prompt {
        guard counts.count == imageRanges.count else { throw PromptError.imageCountMismatch(images: imageRanges.count, counts: counts.count) }
        if let bad = counts.first(where: { $0 < 1 }) { throw PromptError.invalidImageTokenCount(bad) }
        let one = placeholder.utf8.count
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var newSpans: [PromptSpan] = []
        var shift: [(Int, Int)] = []  // (old offset, delta) applied from that offset on
        var delta = 0
        var image = 0
        for span in spans {
            let start = out.count
            if span.role == .image {
                let unit = Array(bytes[span.bytes.lowerBound..<(span.bytes.lowerBound + one)])
                for _ in 0..<counts[image] { out += unit }
                image += 1
                delta += out.count - start - span.bytes.count
                shift.append((span.bytes.upperBound, delta))
            } else {
                out += bytes[span.bytes]
            }
            newSpans.append(PromptSpan(role: span.role, bytes: start..<out.count))
        }
        func moved(_ offset: Int) -> Int { (shift.last { $0.0 <= offset }?.1 ?? 0) + offset }
        return Prompt(text: String(decoding: out, as: UTF8.self), spans: newSpans, placeholder: placeholder,
                      imageTokenCounts: counts,
                      userParts: userParts.map { (part: $0.part, bytes: moved($0.bytes.lowerBound)..<moved($0.bytes.upperBound)) })
    }
}

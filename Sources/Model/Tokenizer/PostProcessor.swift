// TemplateProcessing for single sequences: the special ids placed before and after the text's tokens
// (LLaVA: `<s>` first; Qwen2: nothing).

struct PostProcessor: Sendable {
    var prefix: [Int32]
    var suffix: [Int32]

    static let none = PostProcessor(prefix: [], suffix: [])
}

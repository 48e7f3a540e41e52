import Foundation

/// Errors locating or decoding a model directory's chat template.
public enum ChatTemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(directory: String)
    case invalidFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let d):
            return "no chat template in \(d) (looked for chat_template.jinja, chat_template.json, tokenizer_config.json)"
        case .invalidFile(let p, let r): return "\(p): \(r)"
        }
    }
}

/// A model's chat template rendered the way transformers' `apply_chat_template(tokenize=False)`
/// does: Jinja with `trim_blocks`/`lstrip_blocks`, and the context `messages`, `tools=None`,
/// `documents=None`, `add_generation_prompt`, plus any extra variables (a tokenizer passes its
/// special tokens, e.g. `bos_token`, this way).
public struct ChatTemplate: Sendable {
    public let template: JinjaTemplate

    public init(source: String) throws {
        template = try JinjaTemplate(source, options: .chatTemplate)
    }

    /// Loads the template from a Hugging Face model directory, in transformers' order of
    /// preference: `chat_template.jinja`, then `chat_template.json`, then `tokenizer_config.json`.
    public init(modelDirectory: URL) throws {
        let fm = FileManager.default
        let jinja = modelDirectory.appendingPathComponent("chat_template.jinja")
        if fm.fileExists(atPath: jinja.path) {
            guard let s = try? String(contentsOf: jinja, encoding: .utf8) else {
                throw ChatTemplateError.invalidFile(path: jinja.path, reason: "not UTF-8 text")
            }
            try self.init(source: s)
            return
        }
        for name in ["chat_template.json", "tokenizer_config.json"] {
            let url = modelDirectory.appendingPathComponent(name)
            guard fm.fileExists(atPath: url.path) else { continue }
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw ChatTemplateError.invalidFile(path: url.path, reason: "not UTF-8 text")
            }
            let json: JinjaValue
            do { json = try JinjaValue(jsonText: text) } catch {
                throw ChatTemplateError.invalidFile(path: url.path, reason: "\(error)")
            }
            guard case .object(let o) = json else { throw ChatTemplateError.invalidFile(path: url.path, reason: "not a JSON object") }
            switch o["chat_template"] {
            case .string(let s)?: try self.init(source: s); return
            case .array(let named)?:
                // A list of {"name", "template"}: transformers uses the one named "default".
                for case .object(let entry) in named where entry["name"] == .string("default") {
                    if case .string(let s)? = entry["template"] { try self.init(source: s); return }
                }
                throw ChatTemplateError.invalidFile(path: url.path, reason: "no template named 'default' in chat_template")
            case nil: continue
            default: throw ChatTemplateError.invalidFile(path: url.path, reason: "chat_template is neither a string nor a list")
            }
        }
        throw ChatTemplateError.notFound(directory: modelDirectory.path)
    }

    /// Renders a conversation. `messages` are dicts like `{"role": "user", "content": [...]}`.
    public func render(messages: [JinjaValue], addGenerationPrompt: Bool,
                       extra: [String: JinjaValue] = [:]) throws -> String {
        var context = extra
        context["messages"] = .array(messages)
        context["tools"] = JinjaValue.none
        context["documents"] = JinjaValue.none
        context["add_generation_prompt"] = .bool(addGenerationPrompt)
        return try template.render(context)
    }
}

/// A 1-based line and column (in Unicode scalars) inside a template source.
public struct JinjaLocation: Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    public var description: String { "\(line):\(column)" }
}

/// Errors from parsing or rendering a template. Every case that comes from template text carries
/// the line:column it refers to, so a broken chat template can be fixed without guessing.
public enum JinjaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The template text is not valid Jinja (for the supported subset).
    case syntax(message: String, location: JinjaLocation)
    /// Evaluation failed (type error, undefined attribute, unknown filter, …).
    case render(message: String, location: JinjaLocation)
    /// The template called `raise_exception(message)` (chat templates use it to reject conversations).
    case raised(message: String, location: JinjaLocation)
    /// A safety cap was hit (nesting depth, call depth, output size, loop length).
    case limit(message: String, location: JinjaLocation)
    /// A JSON document (template context or `chat_template.json`) could not be parsed.
    case json(message: String)

    public var description: String {
        switch self {
        case .syntax(let m, let l): return "template syntax error at \(l): \(m)"
        case .render(let m, let l): return "template error at \(l): \(m)"
        case .raised(let m, let l): return "template raised at \(l): \(m)"
        case .limit(let m, let l): return "template limit exceeded at \(l): \(m)"
        case .json(let m): return "invalid JSON: \(m)"
        }
    }
}

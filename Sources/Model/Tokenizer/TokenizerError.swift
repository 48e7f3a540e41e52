// Typed tokenizer loading errors; each names the file (and field) so a user can fix the input.

public enum TokenizerError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The directory has neither tokenizer.json nor vocab.json + merges.txt.
    case missingFiles(directory: String)
    case unreadable(file: String, reason: String)
    case malformedJSON(file: String, error: JSONError)
    /// A required field is missing or has the wrong type/value.
    case invalidField(file: String, field: String, reason: String)
    /// A component type or option that this implementation does not reproduce.
    case unsupported(file: String, field: String, value: String)
    case invalidMerge(file: String, index: Int, reason: String)

    public var description: String {
        switch self {
        case .missingFiles(let d):
            return "\(d): no tokenizer.json and no vocab.json + merges.txt"
        case .unreadable(let f, let r): return "\(f): cannot read: \(r)"
        case .malformedJSON(let f, let e): return "\(f): malformed JSON at byte \(e.offset): \(e.message)"
        case .invalidField(let f, let field, let r): return "\(f): field \(field): \(r)"
        case .unsupported(let f, let field, let v): return "\(f): unsupported \(field): \(v)"
        case .invalidMerge(let f, let i, let r): return "\(f): merge #\(i): \(r)"
        }
    }
}

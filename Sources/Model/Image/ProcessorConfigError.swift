/// A `preprocessor_config.json` that cannot drive a processor; names the file and field.
public enum ProcessorConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case invalidField(file: String, field: String, detail: String)

    public var description: String {
        switch self {
        case .unreadable(let f, let r): return "\(f): cannot read preprocessor config: \(r)"
        case .invalidField(let f, let field, let d): return "\(f): field '\(field)': \(d)"
        }
    }
}

import Foundation

/// Why a `config.json` could not be used; every case names the file and the dotted key path
/// (`text_config.rope_scaling.factor`).
public enum ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case invalidJSON(file: String, reason: String)
    case missingKey(file: String, path: String)
    case typeMismatch(file: String, path: String, expected: String)
    case invalidValue(file: String, path: String, value: String)

    public var description: String {
        switch self {
        case let .unreadable(f, r): return "\(f): cannot read (\(r))"
        case let .invalidJSON(f, r): return "\(f): invalid JSON (\(r))"
        case let .missingKey(f, p): return "\(f): missing key '\(p)'"
        case let .typeMismatch(f, p, e): return "\(f): key '\(p)' is not \(e)"
        case let .invalidValue(f, p, v): return "\(f): key '\(p)' has unsupported value \(v)"
        }
    }

    /// Dotted path of a decoding path (`["text_config", "hidden_size"]` → `text_config.hidden_size`).
    static func path(_ codingPath: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
        (codingPath + (last.map { [$0] } ?? [])).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }

    /// Decodes `T` from JSON, turning `DecodingError`s into `ConfigError`s that name `file`.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, file: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let e as DecodingError {
            switch e {
            case let .keyNotFound(key, ctx): throw ConfigError.missingKey(file: file, path: path(ctx.codingPath, key))
            case let .typeMismatch(t, ctx):
                throw ConfigError.typeMismatch(file: file, path: path(ctx.codingPath), expected: "\(t)")
            case let .valueNotFound(t, ctx):
                throw ConfigError.typeMismatch(file: file, path: path(ctx.codingPath), expected: "\(t)")
            case let .dataCorrupted(ctx):
                if ctx.codingPath.isEmpty { throw ConfigError.invalidJSON(file: file, reason: ctx.debugDescription) }
                throw ConfigError.invalidValue(file: file, path: path(ctx.codingPath), value: ctx.debugDescription)
            @unknown default: throw ConfigError.invalidJSON(file: file, reason: "\(e)")
            }
        }
    }
}

/// A `CodingKey` for arbitrary string keys (config fields outside a type's own keys).
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

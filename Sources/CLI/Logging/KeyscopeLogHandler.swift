import Foundation
import Logging

/// How log records are written to stderr: timestamped text for people, one JSON object per line for
/// machines (`--log-format json`, e.g. a cluster's log collector). stdout stays free for results.
public enum LogFormat: String, Sendable, CaseIterable {
    case text, json
}

/// swift-log handler for keyscope's command-line tools. Text: `[2026-12-02T07:00:00Z] message` (warnings
/// and errors carry their level); JSON: `{"ts","level","label","message", …metadata}` with sorted keys.
public struct KeyscopeLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public let label: String
    public let format: LogFormat
    private static let lock = NSLock()

    public init(label: String, format: LogFormat, level: Logger.Level) {
        self.label = label; self.format = format; self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let ts = ISO8601DateFormatter().string(from: Date())
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let line: String
        switch format {
        case .text:
            let level = event.level >= .warning ? "\(event.level): " : ""
            let meta = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            line = "[\(ts)] \(level)\(event.message)\(meta)"
        case .json:
            var object: [String: Any] = ["ts": ts, "level": event.level.rawValue, "label": label, "message": "\(event.message)"]
            for (k, v) in merged where object[k] == nil { object[k] = Self.json(v) }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        }
        Self.lock.withLock { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    private static func json(_ v: Logger.MetadataValue) -> Any {
        switch v {
        case .string(let s): return Double(s).map { $0 as Any } ?? s
        case .stringConvertible(let c): return "\(c)"
        case .array(let a): return a.map(json)
        case .dictionary(let d): return d.mapValues(json)
        }
    }
}

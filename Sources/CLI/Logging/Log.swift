import ArgumentParser
import Foundation
import Logging

/// keyscope's log: one swift-log `Logger` for the process, set up once from `LoggingFlags` (or the
/// KEYSCOPE_LOG_FORMAT / KEYSCOPE_LOG_LEVEL environment, so worker processes started by `run` inherit the
/// parent's choice). Records go to stderr; progress bars and results own stdout.
enum Log {
    private static let state = LockedState()

    final class LockedState: @unchecked Sendable {
        let lock = NSLock()
        var logger: Logger?
        var format: LogFormat = .text
    }

    /// Installs the handler (first call wins, as swift-log's bootstrap may run only once per process).
    static func configure(format: LogFormat, level: Logger.Level) {
        state.lock.withLock {
            guard state.logger == nil else { return }
            setenv("KEYSCOPE_LOG_FORMAT", format.rawValue, 1)
            setenv("KEYSCOPE_LOG_LEVEL", level.rawValue, 1)
            state.format = format
            var l = Logger(label: "keyscope") { KeyscopeLogHandler(label: $0, format: format, level: level) }
            l.logLevel = level
            state.logger = l
        }
    }

    static var format: LogFormat { logger; return state.lock.withLock { state.format } }

    private static var logger: Logger {
        if let l = state.lock.withLock({ state.logger }) { return l }
        let env = ProcessInfo.processInfo.environment
        configure(format: env["KEYSCOPE_LOG_FORMAT"].flatMap(LogFormat.init(rawValue:)) ?? .text,
                  level: env["KEYSCOPE_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info)
        return state.lock.withLock { state.logger! }
    }

    static func line(_ s: String, _ metadata: Logger.Metadata? = nil) { logger.info("\(s)", metadata: metadata) }
    static func warning(_ s: String, _ metadata: Logger.Metadata? = nil) { logger.warning("\(s)", metadata: metadata) }
    static func error(_ s: String, _ metadata: Logger.Metadata? = nil) { logger.error("\(s)", metadata: metadata) }
    static func debug(_ s: String, _ metadata: Logger.Metadata? = nil) { logger.debug("\(s)", metadata: metadata) }
}

/// `--log-format text|json` and `--log-level` for the long-running commands.
struct LoggingFlags: ParsableArguments {
    @Option(help: "Log records on stderr: text (timestamped lines) or json (one object per line).") var logFormat: String?
    @Option(help: "Lowest level logged: trace, debug, info, notice, warning, error, critical.") var logLevel: String?

    func validate() throws {
        if let f = logFormat, LogFormat(rawValue: f) == nil { throw ValidationError("--log-format must be text or json, not '\(f)'") }
        if let l = logLevel, Logger.Level(rawValue: l) == nil {
            throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), not '\(l)'")
        }
    }

    /// Call first in `run()`: flags, else the environment, else text/info.
    func apply() {
        let env = ProcessInfo.processInfo.environment
        Log.configure(format: (logFormat ?? env["KEYSCOPE_LOG_FORMAT"]).flatMap(LogFormat.init(rawValue:)) ?? .text,
                      level: (logLevel ?? env["KEYSCOPE_LOG_LEVEL"]).flatMap(Logger.Level.init(rawValue:)) ?? .info)
    }
}

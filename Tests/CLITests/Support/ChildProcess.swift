import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Errors of the end-to-end harness; each names the command or file involved.
enum HarnessError: Error, CustomStringConvertible {
    case executableMissing(searched: [String])
    case timeout(what: String, seconds: Double, log: String)
    case demoMissing(path: String)

    var description: String {
        switch self {
        case let .executableMissing(searched):
            "keyscope executable not found (run `swift build --build-tests` first); looked at: \(searched.joined(separator: ", "))"
        case let .timeout(what, seconds, log): "timed out after \(seconds) s waiting for \(what)\n--- output ---\n\(log)"
        case let .demoMissing(path): "bundled demo file missing: \(path)"
        }
    }
}

/// One launched `keyscope` process with its stdout+stderr captured in a file (a file, not a pipe:
/// a chatty child can never block on a full pipe while the test is busy polling).
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    let arguments: [String]
    let logURL: URL

    init(executable: URL, arguments: [String], logURL: URL) throws {
        self.arguments = arguments
        self.logURL = logURL
        process.executableURL = executable
        process.arguments = arguments
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var output: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    func signal(_ sig: Int32) { if process.isRunning { _ = kill(pid, sig) } }

    /// Exit status after waiting at most `timeout` seconds; on timeout the process is SIGKILLed and this throws.
    @discardableResult
    func wait(timeout: Double) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                _ = kill(pid, SIGKILL)
                process.waitUntilExit()
                throw HarnessError.timeout(what: "keyscope \(arguments.prefix(2).joined(separator: " ")) to exit", seconds: timeout, log: output)
            }
            usleep(50_000)
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Exited because of a signal (as opposed to an exit status)?
    var killedBySignal: Bool { !process.isRunning && process.terminationReason == .uncaughtSignal }
}

/// Live processes found through /proc, for orphan checks and for picking worker pids.
enum ProcessTable {
    /// Pids whose command line contains `needle` (e.g. a run directory's ipc endpoint).
    static func pids(commandLineContaining needle: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var found: [Int32] = []
        for e in entries {
            guard let pid = Int32(e), pid != getpid(),
                  let raw = FileManager.default.contents(atPath: "/proc/\(e)/cmdline") else { continue }
            let cmd = String(decoding: raw.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            if cmd.contains(needle) && !isZombie(pid) { found.append(pid) }
        }
        return found.sorted()
    }

    /// A zombie has exited already; only its parent has not reaped it yet.
    static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    static func isAlive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 && !isZombie(pid) }

    /// Waits until every pid is gone; returns those still alive at the deadline.
    static func waitGone(_ pids: [Int32], timeout: Double) -> [Int32] {
        let deadline = Date().addingTimeInterval(timeout)
        var alive = pids.filter(isAlive)
        while !alive.isEmpty && Date() < deadline {
            usleep(100_000)
            alive = alive.filter(isAlive)
        }
        return alive
    }
}

/// Polls `condition` every 100 ms until it holds; throws after `timeout` seconds.
func waitUntil(_ what: String, timeout: Double, log: @autoclosure () -> String = "", _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while try !condition() {
        if Date() > deadline { throw HarnessError.timeout(what: what, seconds: timeout, log: log()) }
        usleep(100_000)
    }
}

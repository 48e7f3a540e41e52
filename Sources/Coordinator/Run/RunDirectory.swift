// The on-disk layout of one run (DESIGN §7):
//
//   runs/<run-id>/          mode 0700: journals may hold partial results of private data
//     plan.json             the frozen plan (written once, atomically)
//     journal.sqlite        RunJournal (plus -wal/-shm while open)
//     logs/                 coordinator and worker logs
//     report/               report.html, report.json, *.csv (written by Report)
//     coordinator.sock      the ipc:// endpoint in local mode
//     lock                  flock'd by the coordinator that owns the run

import Foundation

public enum RunDirectoryError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidRunID(String)
    case alreadyExists(path: String)
    case missing(path: String)
    case notARunDirectory(path: String, reason: String)
    case io(path: String, operation: String, errno: Int32, message: String)
    case socketPathTooLong(path: String, length: Int, limit: Int)
    case locked(path: String)

    public var description: String {
        switch self {
        case let .invalidRunID(id):
            "run id \"\(id)\": use letters, digits, '.', '_' or '-' (not starting with '.')"
        case let .alreadyExists(path): "run directory \(path) already exists; resume it instead"
        case let .missing(path): "run directory \(path) does not exist"
        case let .notARunDirectory(path, reason): "\(path) is not a keyscope run directory: \(reason)"
        case let .io(path, operation, errno, message): "\(path): \(operation) failed: \(message) (errno \(errno))"
        case let .socketPathTooLong(path, length, limit):
            "ipc socket path \(path) is \(length) bytes, the limit is \(limit); use a shorter runs directory or tcp"
        case let .locked(path): "run \(path) is in use by another coordinator (lock held)"
        }
    }
}

public struct RunDirectory: Sendable, Hashable {
    /// Longest Unix socket path the kernel accepts (sun_path is 108 bytes including the NUL).
    public static let maxSocketPathBytes = 107

    /// Absolute path of `runs/<run-id>`.
    public let path: String

    public var runID: String { (path as NSString).lastPathComponent }
    public var planPath: String { path + "/plan.json" }
    public var journalPath: String { path + "/journal.sqlite" }
    public var logsPath: String { path + "/logs" }
    public var reportPath: String { path + "/report" }
    public var socketPath: String { path + "/coordinator.sock" }
    public var lockPath: String { path + "/lock" }

    private init(path: String) { self.path = path }

    /// `ipc://…/coordinator.sock`, checked against the Unix socket path limit.
    public func ipcEndpoint() throws(RunDirectoryError) -> String {
        let length = socketPath.utf8.count
        guard length <= Self.maxSocketPathBytes else {
            throw .socketPathTooLong(path: socketPath, length: length, limit: Self.maxSocketPathBytes)
        }
        return "ipc://" + socketPath
    }

    /// A sortable, collision-resistant id: `20261201-211955-3f9a1c`.
    public static func newRunID(date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let suffix = String(UInt32.random(in: 0..<(1 << 24)), radix: 16)
        return formatter.string(from: date) + "-" + String(repeating: "0", count: 6 - suffix.count) + suffix
    }

    public static func isValidRunID(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, first != ".", id.utf8.count <= 128 else { return false }
        return id.unicodeScalars.allSatisfy { c in
            c.isASCII && (CharacterSet.alphanumerics.contains(c) || c == "." || c == "_" || c == "-")
        }
    }

    /// Creates `runsRoot/runID` (0700) with `logs/` and `report/`; `runsRoot` is created if needed.
    public static func create(runsRoot: String, runID: String) throws(RunDirectoryError) -> RunDirectory {
        guard isValidRunID(runID) else { throw .invalidRunID(runID) }
        let root = absolute(runsRoot)
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        } catch {
            throw .io(path: root, operation: "create runs directory", errno: 0, message: "\(error)")
        }
        let dir = RunDirectory(path: root + "/" + runID)
        try makePrivateDirectory(dir.path, existsIsError: true)
        try makePrivateDirectory(dir.logsPath, existsIsError: false)
        try makePrivateDirectory(dir.reportPath, existsIsError: false)
        return dir
    }

    /// Opens an existing run directory (for resume or status).
    public static func open(_ path: String) throws(RunDirectoryError) -> RunDirectory {
        let full = absolute(path)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: full, isDirectory: &isDir) else { throw .missing(path: full) }
        guard isDir.boolValue else { throw .notARunDirectory(path: full, reason: "not a directory") }
        let dir = RunDirectory(path: full)
        guard FileManager.default.fileExists(atPath: dir.journalPath) else {
            throw .notARunDirectory(path: full, reason: "no journal.sqlite")
        }
        try makePrivateDirectory(dir.logsPath, existsIsError: false)
        try makePrivateDirectory(dir.reportPath, existsIsError: false)
        return dir
    }

    // MARK: Plan

    /// Writes plan.json once, atomically (temp file + rename), mode 0600.
    public func writePlan(_ data: Data) throws(RunDirectoryError) {
        guard !FileManager.default.fileExists(atPath: planPath) else { throw .alreadyExists(path: planPath) }
        let temp = planPath + ".tmp"
        let fd = Foundation.open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Self.posixError(temp, "create") }
        var failure: RunDirectoryError? = nil
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = Self.posixError(temp, "write")
                    return
                }
                offset += n
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = Self.posixError(temp, "fsync") }
        Foundation.close(fd)
        if failure == nil, rename(temp, planPath) != 0 { failure = Self.posixError(planPath, "rename") }
        if let failure {
            unlink(temp)
            throw failure
        }
    }

    public func readPlan() throws(RunDirectoryError) -> Data {
        guard let data = FileManager.default.contents(atPath: planPath) else {
            throw FileManager.default.fileExists(atPath: planPath)
                ? Self.posixError(planPath, "read") : .missing(path: planPath)
        }
        return data
    }

    // MARK: Lock

    /// Takes an exclusive, non-blocking flock on `lock`, so two coordinators never drive one run.
    /// Released when the returned object is released or the process dies.
    public func acquireLock() throws(RunDirectoryError) -> RunLock {
        let fd = Foundation.open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Self.posixError(lockPath, "open") }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            let e = errno
            Foundation.close(fd)
            if e == EWOULDBLOCK { throw .locked(path: path) }
            throw .io(path: lockPath, operation: "flock", errno: e, message: String(cString: strerror(e)))
        }
        return RunLock(fd: fd)
    }

    /// Whether a coordinator holds the run lock right now (nil: no lock file, none ever ran). Probes
    /// with a shared, non-blocking flock that is dropped at once, so it never blocks a coordinator.
    public func isLockHeld() -> Bool? {
        let fd = Foundation.open(lockPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Foundation.close(fd) }
        while flock(fd, LOCK_SH | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            return errno == EWOULDBLOCK ? true : nil
        }
        return false
    }

    // MARK: Helpers

    private static func absolute(_ path: String) -> String {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        return url.path
    }

    private static func makePrivateDirectory(_ path: String, existsIsError: Bool) throws(RunDirectoryError) {
        if mkdir(path, 0o700) != 0 {
            let e = errno
            if e == EEXIST {
                if existsIsError { throw .alreadyExists(path: path) }
                return
            }
            throw .io(path: path, operation: "mkdir", errno: e, message: String(cString: strerror(e)))
        }
        // mkdir applies the umask; 0700 is what we promise.
        guard chmod(path, 0o700) == 0 else { throw posixError(path, "chmod 0700") }
    }

    private static func posixError(_ path: String, _ operation: String) -> RunDirectoryError {
        let e = errno
        return .io(path: path, operation: operation, errno: e, message: String(cString: strerror(e)))
    }
}

/// An exclusive lock on a run directory; unlocks when released.
public final class RunLock: @unchecked Sendable {
    private var fd: Int32

    init(fd: Int32) { self.fd = fd }

    public func release() {
        if fd >= 0 { Foundation.close(fd) }  // closing drops the flock
        fd = -1
    }

    deinit { release() }
}

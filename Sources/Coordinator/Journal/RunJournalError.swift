import Foundation

// Typed journal errors: each names the database file and, where SQLite failed, its message.

public enum RunJournalError: Error, Sendable, Hashable, CustomStringConvertible {
    /// An SQLite call failed; `code` is the extended result code.
    case sqlite(path: String, operation: String, code: Int32, message: String)
    /// The file exists but is not an SQLite database, or is damaged.
    case notADatabase(path: String, message: String)
    /// A valid SQLite database, but not a keyscope run journal.
    case notAJournal(path: String, reason: String)
    case unsupportedSchema(path: String, found: Int, expected: Int)
    case missing(path: String)
    case alreadyExists(path: String)
    case unknownUnit(path: String, unitID: Int)
    case duplicateUnitID(path: String, unitID: Int)
    case closed(path: String, operation: String)
    case readOnly(path: String, operation: String)
    /// SQLITE_FULL or ENOSPC: the write was rolled back, the journal is intact.
    case diskFull(path: String, operation: String, message: String)

    /// True for errors that leave the journal intact and the run resumable once space is freed.
    public var isDiskFull: Bool { if case .diskFull = self { true } else { false } }

    public var description: String {
        switch self {
        case let .sqlite(path, operation, code, message):
            "journal \(path): SQLite error \(code) (\(message)) during: \(operation)"
        case let .notADatabase(path, message):
            "journal \(path): not a valid SQLite database (\(message)); the file is corrupt or was never a journal"
        case let .notAJournal(path, reason):
            "journal \(path): an SQLite database but not a keyscope run journal (\(reason))"
        case let .unsupportedSchema(path, found, expected):
            "journal \(path): schema version \(found), this build reads version \(expected)"
        case let .missing(path):
            "journal \(path): no such file"
        case let .alreadyExists(path):
            "journal \(path): already exists; resume the run instead of creating it again"
        case let .unknownUnit(path, unitID):
            "journal \(path): no unit with id \(unitID)"
        case let .duplicateUnitID(path, unitID):
            "journal \(path): unit id \(unitID) appears more than once in the plan"
        case let .closed(path, operation):
            "journal \(path): used after close (\(operation))"
        case let .readOnly(path, operation):
            "journal \(path): opened read-only, cannot \(operation)"
        case let .diskFull(path, operation, message):
            "the disk holding \(path) is full (\(message), during: \(operation)). The run stopped cleanly: the failed "
                + "write was rolled back and every finished unit is safe in the journal. Free space on that disk, then "
                + "`keyscope resume \((path as NSString).deletingLastPathComponent)` continues where it stopped"
        }
    }
}

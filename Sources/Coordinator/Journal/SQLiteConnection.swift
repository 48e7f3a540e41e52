// A minimal wrapper over the SQLite C API: one connection, prepared statements, transactions.
// Every failure becomes a RunJournalError carrying the database path and SQLite's own message.

import CSQLite
import Foundation

/// SQLite asks for this sentinel to copy bound buffers (SQLITE_TRANSIENT is a macro Swift cannot see).
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// Not thread-safe; RunJournal serialises access with its lock.
final class SQLiteConnection {
    let path: String
    private var handle: OpaquePointer?

    enum Mode { case create, readWrite, readOnly }

    init(path: String, mode: Mode) throws {
        self.path = path
        var flags = SQLITE_OPEN_NOMUTEX
        switch mode {
        case .create: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        case .readWrite: flags |= SQLITE_OPEN_READWRITE
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        }
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        handle = db
        if rc != SQLITE_OK {
            let error = makeError("open", rc)
            sqlite3_close_v2(db)
            handle = nil
            throw error
        }
        sqlite3_extended_result_codes(db, 1)
        // A second process (e.g. `keyscope status`) may hold a read lock briefly; wait instead of failing.
        sqlite3_busy_timeout(db, 5000)
    }

    deinit { close() }

    func close() {
        if let db = handle { sqlite3_close_v2(db) }
        handle = nil
    }

    var isOpen: Bool { handle != nil }

    func makeError(_ operation: String, _ rc: Int32) -> RunJournalError {
        let message: String
        if let db = handle, let cString = sqlite3_errmsg(db) {
            message = String(cString: cString)
        } else {
            message = String(cString: sqlite3_errstr(rc))
        }
        let primary = rc & 0xff
        if primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT {
            return .notADatabase(path: path, message: message)
        }
        // SQLite maps ENOSPC to SQLITE_FULL in most paths; some (WAL/shm growth) surface as an I/O error.
        if primary == SQLITE_FULL || (primary == SQLITE_IOERR && handle.map { sqlite3_system_errno($0) } == ENOSPC) {
            return .diskFull(path: path, operation: operation, message: message)
        }
        return .sqlite(path: path, operation: operation, code: rc, message: message)
    }

    private func db(_ operation: String) throws -> OpaquePointer {
        guard let db = handle else { throw RunJournalError.closed(path: path, operation: operation) }
        return db
    }

    /// Runs one or more statements that return no rows of interest.
    func execute(_ sql: String) throws {
        let db = try db(sql)
        let rc = sqlite3_exec(db, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw makeError(sql, rc) }
    }

    func prepare(_ sql: String) throws -> SQLiteStatement {
        let db = try db(sql)
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw makeError(sql, rc) }
        return SQLiteStatement(connection: self, handle: stmt, sql: sql)
    }

    /// Rows changed by the last INSERT/UPDATE/DELETE.
    var changes: Int { handle.map { Int(sqlite3_changes($0)) } ?? 0 }

    /// BEGIN IMMEDIATE … COMMIT, rolled back if `body` throws. IMMEDIATE takes the write lock up
    /// front so a transaction never fails half-way with SQLITE_BUSY.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Caps the database at `pages` pages for this connection, so SQLite itself fails the next
    /// growing write with SQLITE_FULL: how tests exercise the disk-full path without a full disk.
    func limitPages(_ pages: Int) throws {
        _ = try scalarInt("PRAGMA max_page_count = \(pages)")
    }

    /// The single value of a one-row query, e.g. a PRAGMA.
    func scalarInt(_ sql: String) throws -> Int? {
        let stmt = try prepare(sql)
        return try stmt.step() ? stmt.int(0) : nil
    }

    func scalarText(_ sql: String) throws -> String? {
        let stmt = try prepare(sql)
        return try stmt.step() ? stmt.text(0) : nil
    }
}

/// A prepared statement; finalised when released.
final class SQLiteStatement {
    private unowned let connection: SQLiteConnection
    private let handle: OpaquePointer
    let sql: String

    init(connection: SQLiteConnection, handle: OpaquePointer, sql: String) {
        self.connection = connection
        self.handle = handle
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// Binds parameters 1…n in order; `nil` binds NULL.
    @discardableResult
    func bind(_ values: SQLiteValue?...) throws -> SQLiteStatement {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value {
            case nil: rc = sqlite3_bind_null(handle, index)
            case .int(let v)?: rc = sqlite3_bind_int64(handle, index, Int64(v))
            case .double(let v)?: rc = sqlite3_bind_double(handle, index, v)
            case .text(let v)?: rc = sqlite3_bind_text(handle, index, v, -1, transient)
            case .blob(let v)?:
                rc = v.withUnsafeBytes { raw in
                    // A zero-length blob must still be a blob, not NULL.
                    sqlite3_bind_blob64(handle, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1),
                                        sqlite3_uint64(raw.count), transient)
                }
            }
            guard rc == SQLITE_OK else { throw connection.makeError("bind \(index) of \(sql)", rc) }
        }
        return self
    }

    /// Advances to the next row; false when done.
    func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.makeError(sql, rc)
        }
    }

    /// Runs a statement that returns no rows.
    func run() throws {
        while try step() {}
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }

    func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }

    func text(_ column: Int32) -> String? {
        guard let c = sqlite3_column_text(handle, column) else { return nil }
        return String(cString: c)
    }

    func blob(_ column: Int32) -> [UInt8] {
        // Order matters: column_blob may convert the value, column_bytes then reports its size.
        let base = sqlite3_column_blob(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let base else { return [] }
        return Array(UnsafeRawBufferPointer(start: base, count: count))
    }
}

enum SQLiteValue {
    case int(Int)
    case double(Double)
    case text(String)
    case blob([UInt8])
}

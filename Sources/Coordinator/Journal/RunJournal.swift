// The durable record of a run (DESIGN §7): frozen plan, input hashes, unit states, accepted results.
//
// WAL with synchronous=FULL: a committed result survives a power cut, and readers (`status`) never
// block the coordinator. A result is committed here before the coordinator acknowledges it, so a
// crash can only lose work, never record work that was not done.

import CSQLite
import Foundation

/// A quarantined unit as `status` reports it.
public struct QuarantinedUnit: Sendable, Hashable {
    public var unitID: Int
    public var phase: Int
    public var attempts: Int
    public var failures: Int
    public var lastError: String
}

/// Counts by state plus every quarantined unit with its error (canonical order).
public struct JournalStatus: Sendable, Hashable {
    public var total: Int
    public var pending: Int
    public var leased: Int
    public var done: Int
    public var quarantined: Int
    public var quarantinedUnits: [QuarantinedUnit]

    public var finished: Bool { done + quarantined == total }
}

/// One accepted result, as the lead's merge reads them back in canonical order.
public struct JournaledResult: Sendable, Hashable {
    public var unit: WorkUnit
    public var attempt: Int
    public var blob: [UInt8]
}

public final class RunJournal: @unchecked Sendable {
    /// `PRAGMA application_id` of a keyscope journal ("KSJ1"), so a foreign SQLite file is refused.
    public static let applicationID: Int32 = 0x4B534A31
    public static let schemaVersion = 1

    public enum OpenMode: Sendable {
        /// For a coordinator continuing the run: leases of the crashed process become pending.
        case resume
        /// For status queries beside a live coordinator: nothing is modified.
        case readOnly
    }

    public let path: String
    public let isReadOnly: Bool
    /// Units that were leased when the journal was last closed (or crashed) and are pending again.
    public private(set) var recoveredLeases = 0

    let lock = NSLock()
    let db: SQLiteConnection

    private init(path: String, db: SQLiteConnection, readOnly: Bool) {
        self.path = path
        self.db = db
        self.isReadOnly = readOnly
    }

    // MARK: Create and open

    /// Creates a new journal holding the frozen plan, its input hashes and all units (pending).
    public static func create(at path: String, planJSON: String, inputHashes: [String: String],
                              units: [WorkUnit]) throws -> RunJournal {
        guard !FileManager.default.fileExists(atPath: path) else { throw RunJournalError.alreadyExists(path: path) }
        var seen = Set<Int>()
        for u in units where !seen.insert(u.id).inserted {
            throw RunJournalError.duplicateUnitID(path: path, unitID: u.id)
        }
        let db = try SQLiteConnection(path: path, mode: .create)
        try configure(db)
        try db.transaction {
            try db.execute("""
                PRAGMA application_id = \(applicationID);
                PRAGMA user_version = \(schemaVersion);
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE inputs (name TEXT PRIMARY KEY, hash TEXT NOT NULL);
                CREATE TABLE units (
                    id INTEGER PRIMARY KEY,
                    seq INTEGER NOT NULL UNIQUE,
                    phase INTEGER NOT NULL,
                    spec BLOB NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'leased', 'done', 'quarantined')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    failures INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT,
                    done_attempt INTEGER
                );
                CREATE TABLE results (
                    unit_id INTEGER NOT NULL REFERENCES units(id),
                    attempt INTEGER NOT NULL,
                    blob BLOB NOT NULL,
                    PRIMARY KEY (unit_id, attempt)
                );
                """)
            try db.execute(activitySchema)
            let meta = try db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)")
            try meta.bind(.text("plan_json"), .text(planJSON)).run()
            try meta.bind(.text("created_unix"), .text(String(Date().timeIntervalSince1970))).run()
            let input = try db.prepare("INSERT INTO inputs (name, hash) VALUES (?, ?)")
            for (name, hash) in inputHashes.sorted(by: { $0.key < $1.key }) {
                try input.bind(.text(name), .text(hash)).run()
            }
            let unit = try db.prepare("INSERT INTO units (id, seq, phase, spec, state) VALUES (?, ?, ?, ?, 'pending')")
            for (seq, u) in units.enumerated() {
                try unit.bind(.int(u.id), .int(seq), .int(u.phase), .blob(u.spec)).run()
            }
        }
        return RunJournal(path: path, db: db, readOnly: false)
    }

    /// Opens an existing journal. In `.resume` mode, units left `leased` by a crash become pending
    /// (their attempt numbers are kept, so a late result from the old lease is still recognised).
    public static func open(at path: String, mode: OpenMode = .resume) throws -> RunJournal {
        guard FileManager.default.fileExists(atPath: path) else { throw RunJournalError.missing(path: path) }
        let db = try SQLiteConnection(path: path, mode: mode == .readOnly ? .readOnly : .readWrite)
        // The first read of the header is where SQLite notices a non-database file.
        let appID = try db.scalarInt("PRAGMA application_id") ?? 0
        guard appID == Int(applicationID) else {
            throw RunJournalError.notAJournal(path: path, reason: "application_id 0x\(String(appID, radix: 16)), expected 0x\(String(applicationID, radix: 16))")
        }
        let version = try db.scalarInt("PRAGMA user_version") ?? 0
        guard version == schemaVersion else {
            throw RunJournalError.unsupportedSchema(path: path, found: version, expected: schemaVersion)
        }
        let journal = RunJournal(path: path, db: db, readOnly: mode == .readOnly)
        if mode == .resume {
            try configure(db)
            // Journals from builds before the activity tables get them now (additive; old builds still read them).
            try db.transaction { try db.execute(activitySchema) }
            journal.recoveredLeases = try db.transaction {
                try db.execute("UPDATE units SET state = 'pending' WHERE state = 'leased'")
                return db.changes
            }
        }
        return journal
    }

    private static func configure(_ db: SQLiteConnection) throws {
        let mode = try db.scalarText("PRAGMA journal_mode = WAL")
        guard mode?.lowercased() == "wal" else {
            throw RunJournalError.sqlite(path: db.path, operation: "PRAGMA journal_mode = WAL", code: 0,
                                         message: "journal mode stayed \(mode ?? "unknown")")
        }
        try db.execute("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON")
    }

    /// Checkpoints the WAL into the main file and closes. Safe to call twice.
    public func close() {
        lock.withLock {
            if db.isOpen, !isReadOnly { try? db.execute("PRAGMA wal_checkpoint(TRUNCATE)") }
            db.close()
        }
    }

    // MARK: Metadata

    public func planJSON() throws -> String {
        try locked {
            let stmt = try db.prepare("SELECT value FROM meta WHERE key = 'plan_json'")
            guard try stmt.step(), let text = stmt.text(0) else {
                throw RunJournalError.notAJournal(path: path, reason: "no plan_json in meta")
            }
            return text
        }
    }

    public func inputHashes() throws -> [String: String] {
        try locked {
            let stmt = try db.prepare("SELECT name, hash FROM inputs")
            var out: [String: String] = [:]
            while try stmt.step() { out[stmt.text(0) ?? ""] = stmt.text(1) ?? "" }
            return out
        }
    }

    // MARK: Units

    /// Every unit's record in canonical order; feed to `Scheduler(records:)`.
    public func loadRecords() throws -> [UnitRecord] {
        try locked {
            let stmt = try db.prepare("""
                SELECT id, phase, spec, state, attempts, failures, last_error, done_attempt
                FROM units ORDER BY seq
                """)
            var records: [UnitRecord] = []
            while try stmt.step() {
                let unit = WorkUnit(id: stmt.int(0), phase: stmt.int(1), spec: stmt.blob(2))
                guard let state = stmt.text(3).flatMap(UnitState.init(rawValue:)) else {
                    throw RunJournalError.notAJournal(path: path, reason: "unit \(unit.id) has unknown state")
                }
                records.append(UnitRecord(unit: unit, state: state, attempts: stmt.int(4), failures: stmt.int(5),
                                          lastError: stmt.text(6), doneAttempt: stmt.isNull(7) ? nil : stmt.int(7)))
            }
            return records
        }
    }

    /// Appends pending units after the existing ones (canonical order continues), atomically.
    /// Ids must be new: a repeated id throws `duplicateUnitID` and nothing is added.
    public func appendUnits(_ units: [WorkUnit]) throws {
        try writing("append \(units.count) units") {
            try db.transaction {
                var seen = Set<Int>()
                for u in units where try !seen.insert(u.id).inserted || unitExists(u.id) {
                    throw RunJournalError.duplicateUnitID(path: path, unitID: u.id)
                }
                let start = try db.scalarInt("SELECT coalesce(max(seq) + 1, 0) FROM units") ?? 0
                let insert = try db.prepare("INSERT INTO units (id, seq, phase, spec, state) VALUES (?, ?, ?, ?, 'pending')")
                for (offset, u) in units.enumerated() {
                    try insert.bind(.int(u.id), .int(start + offset), .int(u.phase), .blob(u.spec)).run()
                }
            }
        }
    }

    /// Persists a unit's scheduling state (after a lease, failure or quarantine). A unit already
    /// `done` is never moved back: results are final.
    public func save(_ record: UnitRecord) throws {
        try writing("save unit \(record.unit.id)") {
            let stmt = try db.prepare("""
                UPDATE units SET state = ?, attempts = ?, failures = ?, last_error = ?, done_attempt = ?
                WHERE id = ? AND state != 'done'
                """)
            try stmt.bind(.text(record.state.rawValue), .int(record.attempts), .int(record.failures),
                          record.lastError.map(SQLiteValue.text), record.doneAttempt.map(SQLiteValue.int),
                          .int(record.unit.id)).run()
            if db.changes == 0, try !unitExists(record.unit.id) {
                throw RunJournalError.unknownUnit(path: path, unitID: record.unit.id)
            }
        }
    }

    /// Commits an accepted result and marks its unit done, atomically and durably. Returns false
    /// (and stores nothing) if the unit already has a result: duplicates are ignored.
    @discardableResult
    public func commitResult(_ key: LeaseKey, blob: [UInt8], worker: String? = nil, session: Int? = nil) throws -> Bool {
        try writing("commit result for \(key)") {
            try db.transaction {
                let state = try db.prepare("SELECT state FROM units WHERE id = ?")
                try state.bind(.int(key.unitID))
                guard try state.step() else { throw RunJournalError.unknownUnit(path: path, unitID: key.unitID) }
                guard state.text(0) != UnitState.done.rawValue else { return false }
                try db.prepare("INSERT OR IGNORE INTO results (unit_id, attempt, blob) VALUES (?, ?, ?)")
                    .bind(.int(key.unitID), .int(key.attempt), .blob(blob)).run()
                try db.prepare("""
                    UPDATE units SET state = 'done', done_attempt = ?1, attempts = max(attempts, ?1) WHERE id = ?2
                    """).bind(.int(key.attempt), .int(key.unitID)).run()
                try db.prepare("INSERT OR REPLACE INTO completions (unit_id, worker, session, at_unix) VALUES (?, ?, ?, ?)")
                    .bind(.int(key.unitID), worker.map(SQLiteValue.text), session.map(SQLiteValue.int),
                          .double(Date().timeIntervalSince1970)).run()
                return true
            }
        }
    }

    /// The accepted result of a unit, or nil if it has none yet.
    public func result(unitID: Int) throws -> JournaledResult? {
        try locked {
            let stmt = try db.prepare(Self.resultsQuery + " WHERE u.id = ?")
            try stmt.bind(.int(unitID))
            return try stmt.step() ? Self.row(stmt) : nil
        }
    }

    /// Streams accepted results in canonical unit order, so the merge is identical whatever the
    /// arrival order; one blob is in memory at a time.
    public func forEachResult(_ body: (JournaledResult) throws -> Void) throws {
        try locked {
            let stmt = try db.prepare(Self.resultsQuery + " ORDER BY u.seq")
            while try stmt.step() { try body(Self.row(stmt)) }
        }
    }

    private static let resultsQuery = """
        SELECT u.id, u.phase, u.spec, r.attempt, r.blob FROM units u
        JOIN results r ON r.unit_id = u.id AND r.attempt = u.done_attempt
        """

    private static func row(_ stmt: SQLiteStatement) -> JournaledResult {
        JournaledResult(unit: WorkUnit(id: stmt.int(0), phase: stmt.int(1), spec: stmt.blob(2)),
                        attempt: stmt.int(3), blob: stmt.blob(4))
    }

    // MARK: Status

    public func status() throws -> JournalStatus {
        try locked {
            var counts: [String: Int] = [:]
            let byState = try db.prepare("SELECT state, count(*) FROM units GROUP BY state")
            while try byState.step() { counts[byState.text(0) ?? "", default: 0] += byState.int(1) }
            let q = try db.prepare("""
                SELECT id, phase, attempts, failures, coalesce(last_error, '') FROM units
                WHERE state = 'quarantined' ORDER BY seq
                """)
            var quarantined: [QuarantinedUnit] = []
            while try q.step() {
                quarantined.append(QuarantinedUnit(unitID: q.int(0), phase: q.int(1), attempts: q.int(2),
                                                   failures: q.int(3), lastError: q.text(4) ?? ""))
            }
            return JournalStatus(total: counts.values.reduce(0, +), pending: counts["pending"] ?? 0,
                                 leased: counts["leased"] ?? 0, done: counts["done"] ?? 0,
                                 quarantined: counts["quarantined"] ?? 0, quarantinedUnits: quarantined)
        }
    }

    // MARK: Helpers

    private func unitExists(_ id: Int) throws -> Bool {
        let stmt = try db.prepare("SELECT 1 FROM units WHERE id = ?")
        try stmt.bind(.int(id))
        return try stmt.step()
    }

    func locked<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    func writing<T>(_ operation: String, _ body: () throws -> T) throws -> T {
        guard !isReadOnly else { throw RunJournalError.readOnly(path: path, operation: operation) }
        return try locked(body)
    }
}

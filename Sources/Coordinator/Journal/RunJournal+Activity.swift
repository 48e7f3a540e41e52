// What happened during a run, beside the unit states: coordinator sessions, workers joining and
// leaving, which worker finished which unit and when, and the coordinator's counters (garbage
// frames, rejections, failures). `keyscope status` reads these while the run is live and after.
//
// The tables are additive and created with IF NOT EXISTS: a journal written before they existed is
// still schema version 1, gains them when it is resumed, and reads as "no activity recorded" before.

import Foundation

/// One coordinator process that drove the run (a fresh start or a `resume`).
public struct JournalSession: Sendable, Hashable {
    public var id: Int
    public var pid: Int
    public var startedUnix: Double
    /// Updated with every counter flush; a live coordinator keeps it within a few seconds of now.
    public var lastSeenUnix: Double
    public var endedUnix: Double?
    /// "finished", "stopped", or the error that ended it (e.g. disk full); nil while live or after a crash.
    public var endReason: String?
}

/// A worker as the journal remembers it (over all sessions).
public struct JournalWorker: Sendable, Hashable {
    public var worker: String
    public var firstSeenUnix: Double
    public var lastSeenUnix: Double
    /// Registered with the most recent session and not yet seen leaving.
    public var connected: Bool
    public var joins: Int
    public var leaves: Int
}

public enum WorkerEventKind: String, Sendable, CaseIterable {
    case joined, left, lost
}

public struct JournalWorkerEvent: Sendable, Hashable {
    public var session: Int
    public var atUnix: Double
    public var worker: String
    public var kind: WorkerEventKind
    public var detail: String?
}

/// Which worker's result was accepted for a unit, and when.
public struct JournalCompletion: Sendable, Hashable {
    public var unitID: Int
    public var worker: String?
    public var session: Int?
    public var atUnix: Double
}

/// Everything in the activity tables; `recorded` is false for journals written before they existed.
public struct JournalActivity: Sendable, Hashable {
    public var recorded: Bool
    public var sessions: [JournalSession]
    public var workers: [JournalWorker]
    public var events: [JournalWorkerEvent]
    public var completions: [JournalCompletion]
    /// Counter totals summed over every session.
    public var counters: [String: Int]
}

extension RunJournal {
    static let activitySchema = """
        CREATE TABLE IF NOT EXISTS sessions (
            id INTEGER PRIMARY KEY AUTOINCREMENT, pid INTEGER NOT NULL, started_unix REAL NOT NULL,
            last_seen_unix REAL NOT NULL, ended_unix REAL, end_reason TEXT);
        CREATE TABLE IF NOT EXISTS workers (
            worker TEXT PRIMARY KEY, first_seen_unix REAL NOT NULL, last_seen_unix REAL NOT NULL,
            connected INTEGER NOT NULL, joins INTEGER NOT NULL DEFAULT 0, leaves INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS worker_events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, session INTEGER NOT NULL, at_unix REAL NOT NULL,
            worker TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT);
        CREATE TABLE IF NOT EXISTS completions (
            unit_id INTEGER PRIMARY KEY, worker TEXT, session INTEGER, at_unix REAL NOT NULL);
        CREATE TABLE IF NOT EXISTS counters (
            session INTEGER NOT NULL, name TEXT NOT NULL, value INTEGER NOT NULL, PRIMARY KEY (session, name));
        """

    /// Starts a coordinator session; every worker still marked connected by a crashed one is not.
    public func beginSession(pid: Int = Int(getpid()), at now: Double = Date().timeIntervalSince1970) throws -> Int {
        try writing("begin session") {
            try db.transaction {
                try db.execute("UPDATE workers SET connected = 0")
                try db.prepare("INSERT INTO sessions (pid, started_unix, last_seen_unix) VALUES (?, ?, ?)")
                    .bind(.int(pid), .double(now), .double(now)).run()
                return try db.scalarInt("SELECT last_insert_rowid()") ?? 0
            }
        }
    }

    /// Records a worker joining, leaving or being declared lost; `lastSeen` (default: now) is when
    /// it was last heard from, which for a lost worker is well before the event.
    public func recordWorker(_ kind: WorkerEventKind, worker: String, session: Int, detail: String? = nil,
                             lastSeen: Double? = nil, at now: Double = Date().timeIntervalSince1970) throws {
        try writing("record worker \(kind.rawValue)") {
            try db.transaction {
                try db.prepare("INSERT INTO worker_events (session, at_unix, worker, kind, detail) VALUES (?, ?, ?, ?, ?)")
                    .bind(.int(session), .double(now), .text(worker), .text(kind.rawValue), detail.map(SQLiteValue.text)).run()
                let joined = kind == .joined
                try db.prepare("""
                    INSERT INTO workers (worker, first_seen_unix, last_seen_unix, connected, joins, leaves)
                    VALUES (?1, ?2, ?6, ?3, ?4, ?5)
                    ON CONFLICT(worker) DO UPDATE SET last_seen_unix = max(last_seen_unix, ?6), connected = ?3,
                        joins = joins + ?4, leaves = leaves + ?5
                    """).bind(.text(worker), .double(now), .int(joined ? 1 : 0), .int(joined ? 1 : 0), .int(joined ? 0 : 1),
                              .double(lastSeen ?? now)).run()
            }
        }
    }

    /// The periodic flush: the session's heartbeat, its counters (replacing the previous flush)
    /// and the last time each connected worker was heard from.
    public func flushActivity(session: Int, counters: [String: Int], workersLastSeen: [String: Double],
                              at now: Double = Date().timeIntervalSince1970) throws {
        try writing("flush counters") {
            try db.transaction { try writeFlush(session: session, counters: counters, workersLastSeen: workersLastSeen, now: now) }
        }
    }

    /// The final flush of a session; `reason` says why it ended.
    public func endSession(_ session: Int, reason: String, counters: [String: Int], workersLastSeen: [String: Double],
                           at now: Double = Date().timeIntervalSince1970) throws {
        try writing("end session") {
            try db.transaction {
                try writeFlush(session: session, counters: counters, workersLastSeen: workersLastSeen, now: now)
                try db.prepare("UPDATE sessions SET ended_unix = ?, end_reason = ? WHERE id = ?")
                    .bind(.double(now), .text(reason), .int(session)).run()
                try db.execute("UPDATE workers SET connected = 0")
            }
        }
    }

    private func writeFlush(session: Int, counters: [String: Int], workersLastSeen: [String: Double], now: Double) throws {
        try db.prepare("UPDATE sessions SET last_seen_unix = ? WHERE id = ?").bind(.double(now), .int(session)).run()
        let counter = try db.prepare("INSERT OR REPLACE INTO counters (session, name, value) VALUES (?, ?, ?)")
        for (name, value) in counters.sorted(by: { $0.key < $1.key }) {
            try counter.bind(.int(session), .text(name), .int(value)).run()
        }
        let seen = try db.prepare("UPDATE workers SET last_seen_unix = max(last_seen_unix, ?) WHERE worker = ?")
        for (worker, at) in workersLastSeen.sorted(by: { $0.key < $1.key }) {
            try seen.bind(.double(at), .text(worker)).run()
        }
    }

    /// Reads every activity table; safe beside a live coordinator (WAL readers never block it).
    public func activity() throws -> JournalActivity {
        try locked {
            let present = try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sessions'") ?? 0
            guard present > 0 else {
                return JournalActivity(recorded: false, sessions: [], workers: [], events: [], completions: [], counters: [:])
            }
            var a = JournalActivity(recorded: true, sessions: [], workers: [], events: [], completions: [], counters: [:])
            let s = try db.prepare("SELECT id, pid, started_unix, last_seen_unix, ended_unix, end_reason FROM sessions ORDER BY id")
            while try s.step() {
                a.sessions.append(JournalSession(id: s.int(0), pid: s.int(1), startedUnix: s.double(2), lastSeenUnix: s.double(3),
                                                 endedUnix: s.isNull(4) ? nil : s.double(4), endReason: s.text(5)))
            }
            let w = try db.prepare("SELECT worker, first_seen_unix, last_seen_unix, connected, joins, leaves FROM workers ORDER BY worker")
            while try w.step() {
                a.workers.append(JournalWorker(worker: w.text(0) ?? "", firstSeenUnix: w.double(1), lastSeenUnix: w.double(2),
                                               connected: w.int(3) != 0, joins: w.int(4), leaves: w.int(5)))
            }
            let e = try db.prepare("SELECT session, at_unix, worker, kind, detail FROM worker_events ORDER BY seq")
            while try e.step() {
                guard let kind = e.text(3).flatMap(WorkerEventKind.init(rawValue:)) else { continue }
                a.events.append(JournalWorkerEvent(session: e.int(0), atUnix: e.double(1), worker: e.text(2) ?? "", kind: kind,
                                                   detail: e.text(4)))
            }
            let c = try db.prepare("SELECT unit_id, worker, session, at_unix FROM completions ORDER BY at_unix, unit_id")
            while try c.step() {
                a.completions.append(JournalCompletion(unitID: c.int(0), worker: c.text(1), session: c.isNull(2) ? nil : c.int(2),
                                                       atUnix: c.double(3)))
            }
            let k = try db.prepare("SELECT name, sum(value) FROM counters GROUP BY name")
            while try k.step() { a.counters[k.text(0) ?? ""] = k.int(1) }
            return a
        }
    }
}

extension RunJournal {
    /// Pages the database file holds now (the unit of `limitSizeForTesting`).
    public func pageCount() throws -> Int { try locked { try db.scalarInt("PRAGMA page_count") ?? 0 } }

    /// Lets the database grow by at most `extraPages` pages on this connection; the write after
    /// that fails inside SQLite with SQLITE_FULL, exactly as on a full disk. For tests only.
    public func limitSizeForTesting(extraPages: Int) throws {
        try locked { try db.limitPages((try db.scalarInt("PRAGMA page_count") ?? 0) + extraPages) }
    }
}

extension RunJournal {
    /// SQLite's `PRAGMA integrity_check`: "ok", or the problems it found.
    public func integrityCheck() throws -> String {
        try locked {
            let stmt = try db.prepare("PRAGMA integrity_check")
            var lines: [String] = []
            while try stmt.step() { lines.append(stmt.text(0) ?? "") }
            return lines.joined(separator: "; ")
        }
    }
}

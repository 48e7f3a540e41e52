import Foundation
import Testing
@testable import Coordinator

@Suite struct RunJournalTests {
    /// Ids deliberately not sorted: canonical order is plan order.
    static let units = [5, 3, 9, 1].enumerated().map { i, id in
        WorkUnit(id: id, phase: i % 2, spec: Array("spec-\(id)".utf8))
    }

    static func create(_ dir: TemporaryDirectory, name: String = "journal.sqlite") throws -> RunJournal {
        try RunJournal.create(at: dir.file(name), planJSON: #"{"model":"toy"}"#,
                              inputHashes: ["samples.jsonl": "xxh64:0123", "model": "xxh64:beef"], units: units)
    }

    @Test func createStoresPlanHashesAndPendingUnitsInOrder() throws {
        let dir = TemporaryDirectory()
        let j = try Self.create(dir)
        defer { j.close() }
        #expect(try j.planJSON() == #"{"model":"toy"}"#)
        #expect(try j.inputHashes() == ["samples.jsonl": "xxh64:0123", "model": "xxh64:beef"])
        let records = try j.loadRecords()
        #expect(records.map(\.unit) == Self.units)
        #expect(records.allSatisfy { $0.state == .pending && $0.attempts == 0 && $0.lastError == nil })
        let status = try j.status()
        #expect(status.total == 4 && status.pending == 4 && !status.finished)
        #expect(try j.scalar("PRAGMA journal_mode") == "wal")
        #expect(try j.scalar("PRAGMA synchronous") == "2")  // FULL
        #expect(throws: RunJournalError.alreadyExists(path: dir.file("journal.sqlite"))) { _ = try Self.create(dir) }
    }

    @Test func resultsAreCommittedOnceAndReadInCanonicalOrder() throws {
        let dir = TemporaryDirectory()
        let j = try Self.create(dir)
        defer { j.close() }
        // Arrival order 1, 9, 5 (3 never arrives); attempt 2 for unit 9.
        #expect(try j.commitResult(LeaseKey(unitID: 1, attempt: 1), blob: [1, 1]))
        #expect(try j.commitResult(LeaseKey(unitID: 9, attempt: 2), blob: []))
        #expect(try j.commitResult(LeaseKey(unitID: 5, attempt: 1), blob: [5]))
        // Late duplicates (same or other attempt) are ignored and do not overwrite.
        #expect(try !j.commitResult(LeaseKey(unitID: 9, attempt: 1), blob: [99]))
        #expect(try !j.commitResult(LeaseKey(unitID: 1, attempt: 1), blob: [0]))
        var seen: [(Int, Int, [UInt8])] = []
        try j.forEachResult { seen.append(($0.unit.id, $0.attempt, $0.blob)) }
        #expect(seen.map(\.0) == [5, 9, 1])
        #expect(seen.map(\.1) == [1, 2, 1])
        #expect(seen.map(\.2) == [[5], [], [1, 1]])
        #expect(try j.result(unitID: 3) == nil)
        #expect(try j.result(unitID: 9)?.attempt == 2)
        #expect(try j.scalar("SELECT count(*) FROM results") == "3")
        let r = try #require(j.loadRecords().first { $0.unit.id == 9 })
        #expect(r.state == .done && r.doneAttempt == 2 && r.attempts == 2)
        #expect(throws: RunJournalError.unknownUnit(path: j.path, unitID: 42)) {
            try j.commitResult(LeaseKey(unitID: 42, attempt: 1), blob: [])
        }
        // A done unit is never moved back by a stale save.
        try j.save(UnitRecord(unit: Self.units[0], state: .pending, attempts: 3))
        #expect(try j.loadRecords()[0].state == .done)
    }

    @Test func reopenAfterCrashRecoversLeasesAndKeepsResults() throws {
        let dir = TemporaryDirectory()
        let j = try Self.create(dir)
        var s = try Scheduler(records: j.loadRecords())
        s.register(worker: "w", now: 0)
        var leases: [Lease] = []
        for _ in 0..<3 {
            let l = try req(s.lease(to: "w", now: 0))
            try j.save(try req(s.record(unitID: l.unitID)))
            leases.append(l)
        }
        try j.commitResult(leases[0].key, blob: [42])
        s.complete(leases[0].key, now: 1)
        s.fail(leases[2].key, message: "fatal: bad image", retryable: false, now: 1)
        try j.save(try req(s.record(unitID: leases[2].unitID)))
        // Crash: copy the files as they are on disk while the connection is still open, i.e.
        // with the committed transactions only in the WAL and no checkpoint.
        let wal = try #require(FileManager.default.attributesOfItem(atPath: j.path + "-wal")[.size] as? Int)
        #expect(wal > 0)
        let crashed = TemporaryDirectory()
        for suffix in ["", "-wal"] {
            try FileManager.default.copyItem(atPath: j.path + suffix, toPath: crashed.file("journal.sqlite") + suffix)
        }
        j.close()

        let r = try RunJournal.open(at: crashed.file("journal.sqlite"))
        defer { r.close() }
        #expect(r.recoveredLeases == 1)
        let records = try r.loadRecords()
        #expect(records.map(\.state) == [.done, .pending, .quarantined, .pending])
        #expect(records[1].attempts == 1)  // kept, so the next lease is attempt 2
        #expect(try r.result(unitID: 5)?.blob == [42])
        let status = try r.status()
        #expect(status.done == 1 && status.pending == 2 && status.quarantined == 1 && status.leased == 0)
        #expect(status.quarantinedUnits == [QuarantinedUnit(unitID: 9, phase: 0, attempts: 1, failures: 1,
                                                            lastError: "fatal: bad image")])
        // The restored scheduler only reruns what is unfinished.
        var resumed = try Scheduler(records: records)
        resumed.register(worker: "w", now: 0)
        #expect(resumed.lease(to: "w", now: 0)?.key == LeaseKey(unitID: 3, attempt: 2))
        #expect(resumed.lease(to: "w", now: 0)?.key == LeaseKey(unitID: 1, attempt: 1))
        #expect(resumed.lease(to: "w", now: 0) == nil)
    }

    @Test func appendedUnitsContinueTheCanonicalOrder() throws {
        let dir = TemporaryDirectory()
        let j = try Self.create(dir)
        defer { j.close() }
        let more = [WorkUnit(id: 2, phase: 2, spec: [2]), WorkUnit(id: 0, phase: 2, spec: [])]
        try j.appendUnits(more)
        #expect(try j.loadRecords().map(\.unit.id) == [5, 3, 9, 1, 2, 0])
        #expect(throws: RunJournalError.duplicateUnitID(path: j.path, unitID: 3)) {
            try j.appendUnits([WorkUnit(id: 7, phase: 2, spec: []), WorkUnit(id: 3, phase: 2, spec: [])])
        }
        #expect(try j.status().total == 6)  // nothing of the refused batch was added
        var s = try Scheduler(records: Array(try j.loadRecords().prefix(4)))
        try s.append(more)
        #expect(s.allRecords.map(\.unit.id) == [5, 3, 9, 1, 2, 0] && s.progress(now: 0).pending == 6)
        #expect(throws: SchedulerError.duplicateUnitID(2)) { try s.append([more[0]]) }
    }

    @Test func closeWithoutFinishingThenReopen() throws {
        let dir = TemporaryDirectory()
        let j = try Self.create(dir)
        try j.save(UnitRecord(unit: Self.units[3], state: .leased, attempts: 1))
        j.close()
        j.close()  // idempotent
        #expect(throws: RunJournalError.closed(path: j.path, operation: "SELECT state, count(*) FROM units GROUP BY state")) {
            _ = try j.status()
        }
        let r = try RunJournal.open(at: j.path)
        #expect(r.recoveredLeases == 1)
        #expect(try r.status().pending == 4)
        r.close()
    }

    @Test func readOnlyModeModifiesNothing() throws {
        let dir = TemporaryDirectory()
        let j = try Self.create(dir)
        try j.save(UnitRecord(unit: Self.units[0], state: .leased, attempts: 1))
        let ro = try RunJournal.open(at: j.path, mode: .readOnly)
        #expect(ro.recoveredLeases == 0)
        #expect(try ro.status().leased == 1)
        #expect(throws: RunJournalError.readOnly(path: j.path, operation: "commit result for unit 5 attempt 1")) {
            try ro.commitResult(LeaseKey(unitID: 5, attempt: 1), blob: [])
        }
        ro.close()
        j.close()
    }

    @Test func nonSQLiteFileGivesAClearError() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("journal.sqlite")
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }).write(to: URL(fileURLWithPath: path))
        do {
            _ = try RunJournal.open(at: path)
            Issue.record("opened garbage")
        } catch let error as RunJournalError {
            guard case let .notADatabase(p, message) = error else { Issue.record("got \(error)"); return }
            #expect(p == path && message.contains("not a database"))
            #expect(error.description.contains(path))
        }
    }

    @Test func corruptedJournalGivesAClearError() throws {
        let dir = TemporaryDirectory()
        let j = try Self.create(dir)
        j.close()
        // Overwrite the header magic: SQLite must refuse it, not misread it.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: j.path))
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 100))
        try handle.close()
        #expect(throws: RunJournalError.self) { _ = try RunJournal.open(at: j.path) }
        do { _ = try RunJournal.open(at: j.path) } catch let e as RunJournalError {
            guard case .notADatabase = e else { Issue.record("got \(e)"); return }
        }
    }

    @Test func foreignSQLiteDatabaseAndMissingFile() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("other.sqlite")
        let other = try SQLiteConnection(path: path, mode: .create)
        try other.execute("CREATE TABLE t (x)")
        other.close()
        do {
            _ = try RunJournal.open(at: path)
            Issue.record("opened a foreign database")
        } catch let error as RunJournalError {
            guard case .notAJournal(path, _) = error else { Issue.record("got \(error)"); return }
        }
        #expect(throws: RunJournalError.missing(path: dir.file("none.sqlite"))) {
            _ = try RunJournal.open(at: dir.file("none.sqlite"))
        }
        #expect(throws: RunJournalError.duplicateUnitID(path: dir.file("dup.sqlite"), unitID: 1)) {
            _ = try RunJournal.create(at: dir.file("dup.sqlite"), planJSON: "{}", inputHashes: [:],
                                      units: [WorkUnit(id: 1, phase: 0, spec: []), WorkUnit(id: 1, phase: 0, spec: [])])
        }
    }
}

extension RunJournal {
    /// Test-only peek at PRAGMAs and counts, through a second connection.
    func scalar(_ sql: String) throws -> String? {
        let c = try SQLiteConnection(path: path, mode: .readOnly)
        defer { c.close() }
        let stmt = try c.prepare(sql)
        return try stmt.step() ? stmt.text(0) : nil
    }
}

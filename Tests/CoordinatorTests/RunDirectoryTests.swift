import Foundation
import Testing
@testable import Coordinator

@Suite struct RunDirectoryTests {
    static func mode(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_mode & 0o777) : -1
    }

    @Test func createLaysOutAPrivateRunDirectory() throws {
        let tmp = TemporaryDirectory()
        let old = umask(0o022)
        defer { umask(old) }
        let dir = try RunDirectory.create(runsRoot: tmp.file("runs"), runID: "r-1")
        #expect(dir.path == tmp.file("runs/r-1"))
        #expect(dir.runID == "r-1")
        #expect(Self.mode(dir.path) == 0o700)
        #expect(Self.mode(dir.logsPath) == 0o700 && Self.mode(dir.reportPath) == 0o700)
        #expect(dir.journalPath == dir.path + "/journal.sqlite")
        #expect(try dir.ipcEndpoint() == "ipc://" + dir.path + "/coordinator.sock")
        #expect(throws: RunDirectoryError.alreadyExists(path: dir.path)) {
            _ = try RunDirectory.create(runsRoot: tmp.file("runs"), runID: "r-1")
        }
        // open() wants a journal inside.
        #expect(throws: RunDirectoryError.notARunDirectory(path: dir.path, reason: "no journal.sqlite")) {
            _ = try RunDirectory.open(dir.path)
        }
        try RunJournal.create(at: dir.journalPath, planJSON: "{}", inputHashes: [:], units: []).close()
        #expect(try RunDirectory.open(tmp.path + "/runs/./r-1") == dir)
        #expect(throws: RunDirectoryError.missing(path: tmp.file("runs/nope"))) {
            _ = try RunDirectory.open(tmp.file("runs/nope"))
        }
    }

    @Test func planIsWrittenOnceAtomically() throws {
        let tmp = TemporaryDirectory()
        let dir = try RunDirectory.create(runsRoot: tmp.path, runID: "p")
        #expect(throws: RunDirectoryError.missing(path: dir.planPath)) { _ = try dir.readPlan() }
        let plan = Data(#"{"units":3}"#.utf8)
        try dir.writePlan(plan)
        #expect(try dir.readPlan() == plan)
        #expect(Self.mode(dir.planPath) == 0o600)
        #expect(!FileManager.default.fileExists(atPath: dir.planPath + ".tmp"))
        #expect(throws: RunDirectoryError.alreadyExists(path: dir.planPath)) { try dir.writePlan(Data()) }
    }

    @Test func runIDsAreValidated() throws {
        for bad in ["", ".", "..", ".hidden", "a/b", "a b", "é"] {
            #expect(!RunDirectory.isValidRunID(bad), "\(bad)")
        }
        let id = RunDirectory.newRunID(date: Date(timeIntervalSince1970: 1_764_624_000))
        #expect(id.hasPrefix("20251201-212000-") && id.count == 22 && RunDirectory.isValidRunID(id))
        let tmp = TemporaryDirectory()
        #expect(throws: RunDirectoryError.invalidRunID("../x")) { _ = try RunDirectory.create(runsRoot: tmp.path, runID: "../x") }
    }

    @Test func longSocketPathIsReportedNotTruncated() throws {
        let tmp = TemporaryDirectory()
        let dir = try RunDirectory.create(runsRoot: tmp.path, runID: String(repeating: "x", count: 100))
        #expect(throws: RunDirectoryError.socketPathTooLong(path: dir.socketPath, length: dir.socketPath.utf8.count, limit: 107)) {
            _ = try dir.ipcEndpoint()
        }
    }

    @Test func lockIsExclusive() throws {
        let tmp = TemporaryDirectory()
        let dir = try RunDirectory.create(runsRoot: tmp.path, runID: "l")
        let lock = try dir.acquireLock()
        #expect(throws: RunDirectoryError.locked(path: dir.path)) { _ = try dir.acquireLock() }
        lock.release()
        let again = try dir.acquireLock()
        again.release()
    }
}

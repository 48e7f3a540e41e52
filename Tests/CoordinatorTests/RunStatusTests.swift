import Foundation
import Math
import Protocol
import Testing
@testable import Coordinator

@Suite struct RunStatusTests {
    /// 10 samples, 2 per unit: 1 calibration unit (calibration set of 2), 5 main units.
    static func plan() -> RunPlan {
        RunPlan(runID: "st", keyscopeVersion: "test", modelPath: "/m", dataPath: "/d", sampleIDs: (0..<10).map { "s\($0)" },
                layers: [0], variants: [.pre], statistics: StatisticsOptions(calibrationSamples: 2), threads: 1, samplesPerUnit: 2)
    }

    static func makeRun(_ tmp: TemporaryDirectory) throws -> (RunDirectory, RunJournal, RunPlan) {
        let plan = plan()
        let dir = try RunDirectory.create(runsRoot: tmp.path, runID: plan.runID)
        try dir.writePlan(try plan.jsonData())
        let units = plan.calibrationUnits().map { WorkUnit(id: $0.unitID, phase: 1, spec: $0.encoded()) }
            + plan.mainUnits(calibrationPath: "/c", fingerprint: 1).map { WorkUnit(id: $0.unitID, phase: 2, spec: $0.encoded()) }
        let journal = try RunJournal.create(at: dir.journalPath, planJSON: "{}", inputHashes: [:], units: units)
        return (dir, journal, plan)
    }

    @Test func progressRatesEtaWorkersAndGarbageFromTheJournal() throws {
        let tmp = TemporaryDirectory()
        let (dir, journal, _) = try Self.makeRun(tmp)
        let t0 = 1_000_000.0
        let session = try journal.beginSession(pid: 42, at: t0)
        try journal.recordWorker(.joined, worker: "a", session: session, at: t0 + 1)
        try journal.recordWorker(.joined, worker: "b", session: session, at: t0 + 1)
        // Unit 1 failed once, then its second attempt succeeded.
        var failed = try #require(journal.loadRecords().first { $0.unit.id == 1 })
        failed.failures = 1; failed.lastError = "worker lost"
        try journal.save(failed)
        _ = try journal.commitResult(LeaseKey(unitID: 0, attempt: 1), blob: [1], worker: "a", session: session)
        _ = try journal.commitResult(LeaseKey(unitID: 1, attempt: 2), blob: [1], worker: "b", session: session)
        _ = try journal.commitResult(LeaseKey(unitID: 2, attempt: 1), blob: [1], worker: "a", session: session)
        var q = try #require(journal.loadRecords().first { $0.unit.id == 5 })
        q.state = .quarantined; q.attempts = 3; q.failures = 3; q.lastError = "image decode failed"
        try journal.save(q)
        try journal.recordWorker(.lost, worker: "b", session: session, lastSeen: t0 + 5, at: t0 + 9)
        try journal.flushActivity(session: session, counters: ["malformed": 5, "malformed.bad_magic": 3, "malformed.limit": 1,
                                                               "malformed.frames": 1, "rejected_version": 2, "unknown_peer_messages": 4,
                                                               "zap_refused": 1, "leases_expired": 1, "workers_lost": 1],
                                  workersLastSeen: ["a": t0 + 9.5], at: t0 + 10)
        journal.close()

        // Completion times are wall-clock; rewrite them to fixed values for exact rates.
        let w = try RunJournal.open(at: dir.journalPath)
        try w.db.execute("UPDATE completions SET at_unix = \(t0) + 2 * (unit_id + 1)")  // t0+2, +4, +6
        w.close()

        let s = try RunStatus.load(dir, now: t0 + 11, probeLock: false)
        #expect(s.state == "running" && s.stateDetail.contains("pid 42"))
        #expect(s.phases.map(\.unitsDone) == [1, 2] && s.phases.map(\.unitsTotal) == [1, 5])
        #expect(s.phases.map(\.samplesDone) == [2, 4] && s.phases.map(\.samplesTotal) == [2, 10])
        #expect(s.phases[1].unitsQuarantined == 1)
        #expect(abs(s.rates.activeSeconds - 11) < 1e-6)
        #expect(abs((s.rates.unitsPerSecond ?? 0) - 3.0 / 11) < 1e-9)
        #expect(abs((s.rates.samplesPerSecond ?? 0) - 6.0 / 11) < 1e-9)
        // 6 units planned, 3 done, 1 quarantined: 2 left at the recent rate (3 in the last 11 s).
        #expect(abs((s.etaSeconds ?? 0) - 2 / (3.0 / 11)) < 1e-6)
        #expect(s.workers.map(\.id) == ["a", "b"])
        #expect(s.workers[0].connected && s.workers[0].unitsDone == 2 && s.workers[0].lastSeenUnix == t0 + 9.5)
        #expect(!s.workers[1].connected && s.workers[1].lost == 1 && s.workers[1].lastSeenUnix == t0 + 5)
        #expect(s.failures.failedAttempts == 4 && s.failures.units.map(\.unit) == [1] && s.failures.units[0].lastError == "worker lost")
        #expect(s.failures.leasesExpired == 1 && s.failures.workersLost == 1)
        #expect(s.quarantined.map(\.unit) == [5] && s.quarantined[0].lastError == "image decode failed")
        #expect(s.garbage == RunStatus.Garbage(malformedFrames: 3, oversizedFrames: 2, oldProtocolHellosRejected: 2, unknownPeers: 5,
                                               byReason: ["bad_magic": 3, "limit": 1, "frames": 1]))
        let text = s.text(runDirectory: dir.path)
        #expect(text.contains("phase 2 (main pass):   2/5 units, 4/10 samples, 1 quarantined"), "\(text)")
        #expect(text.contains("unit 5 (phase 2, 3 attempts, 3 failures): image decode failed"))
        #expect(text.contains("garbage: 3 malformed frames, 2 oversized, 2 old-protocol HELLOs rejected, 5 from unknown peers"))
        let json = try JSONSerialization.jsonObject(with: try s.jsonData()) as? [String: Any]
        #expect((json?["garbage"] as? [String: Any])?["oversized_frames"] as? Int == 2)

        // Much later, without an ended session: a crash.
        let later = try RunStatus.load(dir, now: t0 + 500, probeLock: false)
        #expect(later.state == "crashed" && later.text(runDirectory: dir.path).contains("keyscope resume"))
        #expect(later.workers.allSatisfy { !$0.connected })
        // The run lock decides when present: held means live whatever the clock says, free means not.
        let lock = try dir.acquireLock()
        #expect(try RunStatus.load(dir, now: t0 + 500).state == "running")
        lock.release()
        #expect(try RunStatus.load(dir, now: t0 + 11).state == "crashed")
    }

    @Test func journalsWithoutActivityTablesStillReadAndGainThemOnResume() throws {
        let tmp = TemporaryDirectory()
        let (dir, journal, _) = try Self.makeRun(tmp)
        // As written by a build before the activity tables.
        try journal.db.execute("DROP TABLE sessions; DROP TABLE workers; DROP TABLE worker_events; DROP TABLE completions; DROP TABLE counters")
        journal.close()
        let old = try RunStatus.load(dir)
        #expect(!old.activityRecorded && old.state == "unknown" && old.unitsTotal == 6 && old.unitsDone == 0)
        #expect(old.text(runDirectory: dir.path).contains("older keyscope"))
        let resumed = try RunJournal.open(at: dir.journalPath, mode: .resume)
        _ = try resumed.commitResult(LeaseKey(unitID: 0, attempt: 1), blob: [1], worker: "w")
        #expect(try resumed.activity().recorded && resumed.activity().completions.map(\.unitID) == [0])
        resumed.close()
        #expect(try RunStatus.load(dir).activityRecorded)
    }
}

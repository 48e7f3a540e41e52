import Coordinator
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// DESIGN §7 under real faults: a killed or frozen process never changes the result, finished units
    /// are never recomputed, and no process outlives its run.
    @Suite struct Chaos {
        /// Calibration units (2 of 4 samples, 1 per unit) + main units (4 samples, 1 per unit).
        static let totalUnits = 2 + 4

        /// Polls the journal until `condition` holds; fails if the coordinator ended first.
        static func waitForJournal(_ ws: E2EWorkspace, _ runs: String, _ run: ChildProcess, _ what: String,
                                   _ condition: ([UnitRecord]) -> Bool) throws -> [UnitRecord] {
            var last: [UnitRecord] = []
            try waitUntil(what, timeout: 90, log: run.output) {
                guard run.isRunning else { throw ReferenceError(message: "run ended before \(what):\n\(run.output)") }
                last = (try? ws.records(runs)) ?? []
                return condition(last)
            }
            return last
        }

        /// Phase 2 has started and both workers hold a lease: a fault now hits a unit in flight.
        static func bothWorkersBusy(_ r: [UnitRecord]) -> Bool {
            r.contains { $0.unit.phase == 2 } && r.filter { $0.state == .leased }.count >= 2
        }

        @Test func coordinatorKill9WorkersExitAndResumeRecomputesNothingFinished() throws {
            let ref = try ReferenceRun.get()
            let ws = try E2EWorkspace()
            defer { ws.close() }
            let data = ref.data
            let run = try ws.startRun("ck", data: data, workers: 2, samplesPerUnit: ReferenceRun.samplesPerUnit)
            _ = try Self.waitForJournal(ws, "ck", run, "a finished unit") { $0.contains { $0.state == .done } }
            let workers = ws.workerPids("ck")
            #expect(workers.count == 2, "worker pids \(workers)")
            run.signal(SIGKILL)
            try run.wait(timeout: 10)
            #expect(run.killedBySignal)
            let before = try ws.records("ck")
            let doneBefore = before.filter { $0.state == .done }
            #expect(!doneBefore.isEmpty && doneBefore.count < Self.totalUnits, "done at kill: \(doneBefore.count)")
            // Local workers watch the coordinator's pid and leave by themselves.
            let t0 = Date()
            let orphans = ProcessTable.waitGone(workers, timeout: 10)
            #expect(orphans.isEmpty, "workers outlived the killed coordinator: \(orphans)")
            print("coordinator kill -9: workers gone after \(String(format: "%.1f", Date().timeIntervalSince(t0))) s")

            let resume = try ws.start(["resume", ws.runDirectory("ck"), "--workers", "2", "--quiet", "--tsne-layers", "none"])
            #expect(try resume.wait(timeout: 120) == 0, "\(resume.output)")
            try ref.expectSameReports(ws, "ck")
            let after = try ws.records("ck")
            #expect(after.count == Self.totalUnits && after.allSatisfy { $0.state == .done })
            for b in doneBefore {
                let a = after.first { $0.unit.id == b.unit.id }
                #expect(a?.attempts == b.attempts && a?.doneAttempt == b.doneAttempt, "unit \(b.unit.id) was recomputed on resume")
            }
            #expect(after.map(\.attempts).reduce(0, +) > before.map(\.attempts).reduce(0, +), "resume leased nothing")
            #expect(ws.workerPids("ck").isEmpty)
            #expect(!FileManager.default.fileExists(atPath: ws.runDirectory("ck") + "/coordinator.sock"), "ipc socket left behind")
        }

        @Test func workerKill9MidUnitIsReleasedAndRunFinishes() throws {
            let ref = try ReferenceRun.get()
            let ws = try E2EWorkspace()
            defer { ws.close() }
            let data = ref.data
            let run = try ws.startRun("wk", data: data, workers: 2, samplesPerUnit: ReferenceRun.samplesPerUnit)
            _ = try Self.waitForJournal(ws, "wk", run, "both workers busy in phase 2", Self.bothWorkersBusy)
            let workers = ws.workerPids("wk")
            try #require(workers.count == 2, "worker pids \(workers)")
            kill(workers[0], SIGKILL)
            #expect(try run.wait(timeout: 120) == 0, "\(run.output)")
            try ref.expectSameReports(ws, "wk")
            let after = try ws.records("wk")
            #expect(after.contains { $0.failures >= 1 && $0.state == .done }, "no unit was re-leased after the worker died")
            let logs = try FileManager.default.contentsOfDirectory(atPath: ws.runDirectory("wk") + "/logs")
                .compactMap { try? String(contentsOfFile: ws.runDirectory("wk") + "/logs/" + $0, encoding: .utf8) }
            #expect(logs.contains { $0.contains("killed by signal 9; restart 1") }, "the pool did not restart the killed worker")
            #expect(ws.workerPids("wk").isEmpty)
        }

        @Test func workerFrozenSevenSecondsRunFinishesIdentical() throws {
            let ref = try ReferenceRun.get()
            let ws = try E2EWorkspace()
            defer { ws.close() }
            let data = ref.data
            let run = try ws.startRun("ws", data: data, workers: 2, samplesPerUnit: ReferenceRun.samplesPerUnit)
            _ = try Self.waitForJournal(ws, "ws", run, "both workers busy in phase 2", Self.bothWorkersBusy)
            let workers = ws.workerPids("ws")
            try #require(workers.count == 2, "worker pids \(workers)")
            kill(workers[1], SIGSTOP)
            let resumed = Date().addingTimeInterval(7)
            while Date() < resumed && run.isRunning { usleep(100_000) }
            kill(workers[1], SIGCONT)
            #expect(try run.wait(timeout: 120) == 0, "\(run.output)")
            try ref.expectSameReports(ws, "ws")
            #expect(try ws.records("ws").allSatisfy { $0.state == .done })
            #expect(ProcessTable.waitGone(workers, timeout: 10).isEmpty)
        }

        @Test func sigintStopsCleanlyWith130AndResumes() throws {
            let ref = try ReferenceRun.get()
            let ws = try E2EWorkspace()
            defer { ws.close() }
            let data = ref.data
            let run = try ws.startRun("si", data: data, workers: 2, samplesPerUnit: ReferenceRun.samplesPerUnit)
            _ = try Self.waitForJournal(ws, "si", run, "a finished unit") { $0.contains { $0.state == .done } }
            let workers = ws.workerPids("si")
            run.signal(SIGINT)
            #expect(try run.wait(timeout: 30) == 130, "\(run.output)")
            #expect(ProcessTable.waitGone(workers, timeout: 10).isEmpty, "workers left after SIGINT")
            #expect(!FileManager.default.fileExists(atPath: ws.runDirectory("si") + "/report/pre_rope/report.json"))
            let before = try ws.records("si").filter { $0.state == .done }
            let (status, out) = try ws.call(["resume", ws.runDirectory("si"), "--workers", "2", "--quiet", "--tsne-layers", "none"], timeout: 120)
            #expect(status == 0, "\(out)")
            try ref.expectSameReports(ws, "si")
            let after = try ws.records("si")
            for b in before { #expect(after.first { $0.unit.id == b.unit.id }?.doneAttempt == b.doneAttempt) }
        }
    }
}

import Coordinator
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

extension EndToEnd {
    /// `keyscope sweep` on both demo models and `keyscope status` on run and sweep directories,
    /// with real processes and shortened statistics.
    @Suite struct SweepAndStatus {
        static let qwenPath = E2EWorkspace.repoRoot.appendingPathComponent("demo/models/qwen2.5-vl-tiny").path

        static func json(_ text: String) throws -> [String: Any] {
            let start = try #require(text.firstIndex(of: "{"), "no JSON in: \(text)")
            return try #require(try JSONSerialization.jsonObject(with: Data(text[start...].utf8)) as? [String: Any])
        }

        static func writeSweep(_ ws: E2EWorkspace, seeds: String = "[0]") throws -> String {
            let text = """
                {"name": "grid", "models": ["\(E2EWorkspace.modelPath)", "\(qwenPath)"], "datasets": ["data.jsonl"],
                 "layers": ["0"], "rope": ["both"], "text_tokens": ["all", "prompt"], "seeds": \(seeds),
                 "options": {"bootstrap": 20, "permutations": 20, "subsample": 100, "calibration_samples": 2, "components": 8,
                             "bins": 16, "groups": 4, "samples_per_unit": 4, "tsne_layers": "none"}}
                """
            let url = ws.root.appendingPathComponent("sweep.json")
            try Data(text.utf8).write(to: url)
            return url.path
        }

        /// Attempts and done-attempts of every unit of every run: equal before and after means nothing was recomputed.
        static func unitStates(_ sweepDir: String) throws -> [String: [String]] {
            var out: [String: [String]] = [:]
            for id in try FileManager.default.contentsOfDirectory(atPath: sweepDir + "/runs") {
                let j = try RunJournal.open(at: sweepDir + "/runs/\(id)/journal.sqlite", mode: .readOnly)
                defer { j.close() }
                out[id] = try j.loadRecords().map { "\($0.unit.id):\($0.state.rawValue):\($0.attempts):\($0.doneAttempt ?? -1)" }
            }
            return out
        }

        @Test func twoByTwoSweepFinishesResumesAndIndexesEveryRun() throws {
            let ws = try E2EWorkspace()
            defer { ws.close() }
            _ = try ws.dataset(count: 3)
            let def = try Self.writeSweep(ws)
            let out = ws.root.appendingPathComponent("out").path
            let sweepDir = out + "/grid"
            let args = ["sweep", def, "--out", out, "--workers", "1", "--quiet"]
            let t0 = Date()
            let (s1, o1) = try ws.call(args, timeout: 120)
            print(String(format: "2×2 sweep on the demo models: %.1f s", Date().timeIntervalSince(t0)))
            #expect(s1 == 0, "\(o1)")
            #expect(o1.contains("4 started"), "\(o1)")
            let runIDs = try FileManager.default.contentsOfDirectory(atPath: sweepDir + "/runs").sorted()
            #expect(runIDs.count == 4 && runIDs.filter { $0.hasPrefix("llava-1.5-tiny-data-") }.count == 2
                    && runIDs.filter { $0.hasPrefix("qwen2.5-vl-tiny-data-") }.count == 2, "\(runIDs)")
            for id in runIDs {
                #expect(FileManager.default.fileExists(atPath: sweepDir + "/runs/\(id)/report/pre_rope/report.json"), "\(id)")
            }
            let index = try String(contentsOfFile: sweepDir + "/index.html", encoding: .utf8)
            for id in runIDs { #expect(index.contains("runs/\(id)/report/report.html"), "index lacks \(id)") }
            #expect(index.contains("Pre-RoPE keys") && index.contains("Post-RoPE keys") && index.contains("intra-img"))
            #expect(index.contains("LLaVA") && index.contains("Qwen2.5-VL"))
            #expect(!index.contains("<script") && !index.contains("src=\"http") && !index.contains("href=\"http"))
            #expect(try XMLDocument(data: Data(index.utf8)).rootElement() != nil, "index.html is not well-formed")

            // Second invocation: nothing new.
            let before = try Self.unitStates(sweepDir)
            let (s2, o2) = try ws.call(args, timeout: 60)
            #expect(s2 == 0 && o2.contains("4 skipped") && !o2.contains("started") && !o2.contains("resumed"), "\(o2)")
            #expect(try Self.unitStates(sweepDir) == before)

            // A run without its report is resumed: report rewritten, no unit recomputed.
            let victim = runIDs[2]
            try FileManager.default.removeItem(atPath: sweepDir + "/runs/\(victim)/report")
            let (s3, o3) = try ws.call(args, timeout: 60)
            #expect(s3 == 0 && o3.contains("1 resumed") && o3.contains("3 skipped"), "\(o3)")
            #expect(FileManager.default.fileExists(atPath: sweepDir + "/runs/\(victim)/report/report.html"))
            #expect(try Self.unitStates(sweepDir) == before)

            // status SWEEP_DIR: one line per run.
            let (s4, o4) = try ws.call(["status", sweepDir], timeout: 30)
            #expect(s4 == 0 && o4.contains("4/4 runs finished"), "\(o4)")
            for id in runIDs { #expect(o4.split(separator: "\n").contains { $0.contains(id) && $0.contains("finished") }, "\(o4)") }
            let (_, o5) = try ws.call(["status", sweepDir, "--json"], timeout: 30)
            let runs = try #require(try Self.json(o5)["runs"] as? [[String: Any]])
            #expect(runs.count == 4 && runs.allSatisfy { $0["state"] as? String == "finished" && $0["units_done"] as? Int == 2 })

            // A changed definition is refused, naming the change; --update accepts it.
            _ = try Self.writeSweep(ws, seeds: "[0, 1]")
            let (s6, o6) = try ws.call(args + ["--dry-run"], timeout: 30)
            #expect(s6 == 2 && o6.contains("seeds: added 1") && o6.contains("--update"), "\(o6)")
            let (s7, o7) = try ws.call(args + ["--update", "--dry-run"], timeout: 30)
            #expect(s7 == 0 && o7.contains("4 skipped") && o7.contains("4 to start"), "\(o7)")
        }

        @Test func statusShowsProgressWorkersAndCountersLiveAndAfter() throws {
            let ws = try E2EWorkspace()
            defer { ws.close() }
            let data = try ws.dataset(count: 4)
            let run = try ws.startRun("st", data: data, workers: 2, samplesPerUnit: 1)
            var sawLive = false
            while run.isRunning {
                if let (code, out) = try? ws.call(["status", ws.runDirectory("st"), "--json"], timeout: 30), code == 0,
                   let s = try? Self.json(out), s["state"] as? String == "running",
                   let workers = s["workers"] as? [[String: Any]], workers.contains(where: { $0["connected"] as? Bool == true }) {
                    sawLive = true
                    break
                }
                usleep(200_000)
            }
            #expect(try run.wait(timeout: 120) == 0, "\(run.output)")
            #expect(sawLive, "status never saw the run live with a connected worker")
            let (code, out) = try ws.call(["status", ws.runDirectory("st"), "--json"], timeout: 30)
            #expect(code == 0, "\(out)")
            let s = try Self.json(out)
            #expect(s["state"] as? String == "finished")
            let total = try #require(s["units_total"] as? Int)
            #expect(total == 2 + 4 && s["units_done"] as? Int == total)
            let phases = try #require(s["phases"] as? [[String: Any]])
            #expect(phases.map { $0["samples_done"] as? Int } == [2, 4])
            let workers = try #require(s["workers"] as? [[String: Any]])
            #expect(workers.count == 2 && workers.reduce(0) { $0 + ($1["units_done"] as? Int ?? 0) } == total, "\(workers)")
            let rates = try #require(s["rates"] as? [String: Any])
            #expect((rates["units_per_second"] as? Double ?? 0) > 0 && (rates["samples_per_second"] as? Double ?? 0) > 0)
            let garbage = try #require(s["garbage"] as? [String: Any])
            #expect(garbage["malformed_frames"] as? Int == 0 && garbage["oversized_frames"] as? Int == 0
                    && garbage["old_protocol_hellos_rejected"] as? Int == 0 && garbage["unknown_peers"] as? Int == 0)
            let (_, text) = try ws.call(["status", ws.runDirectory("st")], timeout: 30)
            print("status of a finished run:\n\(text)")
            #expect(text.contains("state: finished") && text.contains("phase 2 (main pass):   4/4 units, 4/4 samples"), "\(text)")
            #expect(text.contains("workers: 0 connected, 2 seen") && text.contains("garbage: 0 malformed frames"), "\(text)")
        }
    }
}

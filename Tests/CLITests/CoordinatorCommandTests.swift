import Foundation
import Testing

/// `keyscope coordinator`: `run` for other hosts — no local workers unless asked, a bind is required.
@Suite struct CoordinatorCommandTests {
    @Test func coordinatorWithARemoteStyleWorkerFinishes() throws {
        let ws = try E2EWorkspace()
        defer { ws.close() }
        let data = try ws.dataset(count: 3)
        let port = Int.random(in: 30000...60000)
        let coordinator = try ws.start(["coordinator", "--model", E2EWorkspace.modelPath, "--data", data.path,
                                        "--bind", "tcp://127.0.0.1:\(port)", "--out", ws.root.appendingPathComponent("runs").path,
                                        "--run-id", "co", "--tsne-layers", "none"] + E2EWorkspace.fastStatistics)
        try waitUntil("coordinator to listen", timeout: 60, log: coordinator.output) { coordinator.output.contains("listening on") }
        #expect(coordinator.output.contains("0 local workers"))
        let worker = try ws.start(["worker", "--connect", "tcp://127.0.0.1:\(port)"])
        #expect(try coordinator.wait(timeout: 120) == 0, "\(coordinator.output)")
        _ = try? worker.wait(timeout: 30)
        #expect(FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("runs/co/report/post_rope/report.json").path))
    }

    @Test func coordinatorWithoutABindIsAUsageError() throws {
        let ws = try E2EWorkspace()
        defer { ws.close() }
        let r = try ws.call(["coordinator", "--model", E2EWorkspace.modelPath, "--data", "x.jsonl"], timeout: 30)
        #expect(r.status == 2)
        #expect(r.output.contains("needs --cluster cluster.json or --bind"))
    }
}

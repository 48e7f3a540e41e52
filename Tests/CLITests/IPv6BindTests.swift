import Foundation
import Testing

/// `--bind tcp://[::1]:PORT`: coordinator and local workers over IPv6 loopback; a `:0` port with local
/// workers is refused up front (they would be started before the kernel picks the port).
@Suite struct IPv6BindTests {
    @Test func runOverIPv6LoopbackFinishes() throws {
        let ws = try E2EWorkspace()
        defer { ws.close() }
        let data = try ws.dataset(count: 3)
        let port = Int.random(in: 30000...60000)
        let r = try ws.call(["run", "--model", E2EWorkspace.modelPath, "--data", data.path, "--workers", "1",
                             "--bind", "tcp://[::1]:\(port)", "--out", ws.root.appendingPathComponent("runs").path,
                             "--run-id", "v6", "--tsne-layers", "none"] + E2EWorkspace.fastStatistics, timeout: 120)
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("coordinator listening on tcp://[::1]:\(port)"))
        #expect(!r.output.contains("without CURVE"), "loopback must not warn")
        #expect(FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("runs/v6/report/pre_rope/report.json").path))
    }

    @Test func portZeroWithLocalWorkersIsRefusedBeforeAnythingIsWritten() throws {
        let ws = try E2EWorkspace()
        defer { ws.close() }
        let data = try ws.dataset(count: 2)
        let runs = ws.root.appendingPathComponent("runs")
        let r = try ws.call(["run", "--model", E2EWorkspace.modelPath, "--data", data.path, "--workers", "1",
                             "--bind", "tcp://[::1]:0", "--out", runs.path, "--run-id", "z"], timeout: 60)
        #expect(r.status != 0)
        #expect(r.output.contains("local workers need a fixed port"))
        #expect(!FileManager.default.fileExists(atPath: runs.appendingPathComponent("z").path))
    }
}

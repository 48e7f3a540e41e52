import Foundation
import Testing

/// `--log-format json`: every stderr line of a run (coordinator and, through the environment, its worker
/// processes) is one JSON object with ts/level/message, and progress records carry their counts as fields.
@Suite struct LogFormatTests {
    @Test func jsonLogsAreOneObjectPerLine() throws {
        let ws = try E2EWorkspace()
        defer { ws.close() }
        let data = try ws.dataset(count: 3)
        let r = try ws.call(["run", "--model", E2EWorkspace.modelPath, "--data", data.path, "--workers", "1",
                             "--out", ws.root.appendingPathComponent("runs").path, "--run-id", "log",
                             "--tsne-layers", "none", "--log-format", "json"] + E2EWorkspace.fastStatistics, timeout: 120)
        #expect(r.status == 0, "\(r.output)")
        // stdout (the result table) is plain text; every other line must parse as a log record.
        let records = r.output.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(records.count >= 4, "\(r.output)")
        var messages: [String] = []
        for line in records {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
            #expect(o["ts"] is String && o["level"] is String && o["label"] as? String == "keyscope", "\(line)")
            messages.append(o["message"] as? String ?? "")
            if o["message"] as? String == "progress" {
                #expect(o["done"] is NSNumber && o["total"] is NSNumber, "progress without counts: \(line)")
            }
        }
        #expect(messages.contains { $0.hasPrefix("phase 1/2") })
        #expect(messages.contains("progress"))
        #expect(!r.output.contains("\u{1B}["), "terminal escapes in JSON mode")
    }

    @Test func badFormatIsAUsageError() throws {
        let ws = try E2EWorkspace()
        defer { ws.close() }
        let r = try ws.call(["run", "--model", E2EWorkspace.modelPath, "--data", "x.jsonl", "--log-format", "yaml"], timeout: 30)
        #expect(r.status != 0)
        #expect(r.output.contains("--log-format must be text or json"))
    }
}

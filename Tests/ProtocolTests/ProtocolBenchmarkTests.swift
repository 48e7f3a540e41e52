import Foundation
import Testing
@testable import Protocol

@Suite("Protocol benchmark")
struct ProtocolBenchmarkTests {
    @Test("the benchmark completes every round trip over ipc and tcp")
    func smallRuns() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let context = try ZMQContext()
        for transport in [ProtocolBenchmark.Transport.ipc(directory: dir), .tcp] {
            let r = try ProtocolBenchmark.run(transport: transport, messages: 2000, payloadBytes: 256, window: 64, context: context)
            #expect(r.messages == 2000)
            #expect(r.messagesPerSecond > 0 && r.seconds > 0)
            #expect(r.transport == transport.description)
        }
    }
}

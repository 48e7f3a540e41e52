import ArgumentParser
import Foundation
import Protocol

/// ROUTER↔DEALER round trips through the real codec over ipc and loopback tcp.
struct BenchProtocol: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "protocol", abstract: "Message round trips per second (ipc, tcp).")
    @Option(help: "Round trips per transport.") var messages = 50_000
    @Option(help: "Payload bytes per RESULT.") var payload = 64

    func run() throws {
        let dir = FileManager.default.temporaryDirectory.path
        for t: ProtocolBenchmark.Transport in [.ipc(directory: dir), .tcp] {
            print(try ProtocolBenchmark.run(transport: t, messages: messages, payloadBytes: payload))
        }
    }
}

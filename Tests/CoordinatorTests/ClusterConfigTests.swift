import Foundation
import Testing
@testable import Coordinator

@Suite struct ClusterConfigTests {
    @Test func repositoryDefaultIsLocalIPC() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("cluster.json")
        let c = try ClusterConfig.load(url)
        #expect(c.coordinator.bind == "ipc")
        #expect(!c.bindsNonLoopback)
        #expect(c.workers.reduce(0) { $0 + $1.count } == 2)
    }

    @Test func everyProblemIsListedWithItsPath() {
        let json = #"{"workers":[{"host":"a","cont":2}],"lease":{"timeout_s":-1},"curve":{"allowed_client_keys":["abc"]}}"#
        #expect(throws: ClusterConfigError.self) { try ClusterConfig.parse(Data(json.utf8)) }
        do { _ = try ClusterConfig.parse(Data(json.utf8)) } catch let e as ClusterConfigError {
            #expect(e.problems.count == 4)
            #expect(e.problems.contains { $0.hasPrefix("$.workers[0].cont") && $0.contains("did you mean \"count\"") })
            #expect(e.problems.contains { $0.hasPrefix("$.lease.timeout_s") })
            #expect(e.problems.contains { $0.hasPrefix("$.curve.server_secret_key_file") })
            #expect(e.problems.contains { $0.hasPrefix("$.curve.allowed_client_keys[0]") })
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func nonLoopbackDetection() throws {
        for (bind, outside) in [("tcp://127.0.0.1:5555", false), ("tcp://localhost:1", false), ("tcp://10.1.2.3:5555", true),
                                ("tcp://0.0.0.0:5555", true), ("ipc", false)] {
            let c = try ClusterConfig.parse(Data(#"{"coordinator":{"bind":"\#(bind)"}}"#.utf8))
            #expect(c.bindsNonLoopback == outside, "\(bind)")
        }
    }

    @Test func booleansAreNotIntegers() {
        #expect(throws: ClusterConfigError.self) { try ClusterConfig.parse(Data(#"{"heartbeat":{"liveness":true}}"#.utf8)) }
    }
}

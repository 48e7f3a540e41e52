import Math
import Testing
@testable import Protocol

@Suite("MessageCodec round trips and layout")
struct MessageCodecTests {
    @Test("5000 seeded random messages decode to what was encoded")
    func randomRoundTrips() throws {
        var gen = RandomMessages(seed: 0x5EED)
        var seen = Set<MessageType>()
        for _ in 0..<5000 {
            let m = gen.message()
            seen.insert(m.type)
            let frames = try MessageCodec.encode(m)
            let back = try MessageCodec.decode(frames: frames)
            #expect(back.type == m.type)
            // Equatable for everything but NaN floats; re-encoding compares bit patterns.
            #expect(try MessageCodec.encode(back) == frames)
            if case let .stageData(a) = m, case let .stageData(b) = back {
                #expect(a.tensors.map(\.tensor.shape) == b.tensors.map(\.tensor.shape))
                #expect(a.tensors.map { $0.tensor.data.map(\.bitPattern) } == b.tensors.map { $0.tensor.data.map(\.bitPattern) })
            } else {
                #expect(back == m)
            }
        }
        #expect(seen == Set(MessageType.allCases))
    }

    @Test("HEARTBEAT bytes follow docs/protocol.md exactly")
    func heartbeatLayout() throws {
        let frames = try MessageCodec.encode(.heartbeat(Heartbeat(sequence: 0x0102_0304_0506_0708)))
        let header: [UInt8] = [0x4B, 0x53, 0x43, 0x50, 0x01, 0x00, 0x07, 0x00] + [UInt8](repeating: 0, count: 16)
        #expect(frames == [header, [0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01]])
    }

    @Test("ERROR and ASSIGN payload layouts")
    func assignLayout() throws {
        let e = try MessageCodec.encode(.error(UnitFailure(unitID: 0x11, attempt: 2, leaseID: 0x2233, message: "é", retryable: true)))
        #expect(e.count == 2)
        #expect(Array(e[0][6...]) == [0x06, 0x00, 0x11, 0, 0, 0, 0, 0, 0, 0, 0x33, 0x22, 0, 0, 0, 0, 0, 0])
        #expect(e[1] == [2, 0, 0, 0, 1, 2, 0, 0, 0, 0xC3, 0xA9])

        let a = try MessageCodec.encode(.assign(Assign(unitID: 1, attempt: 3, leaseID: 9, runID: "r", phase: .main,
                                                      sampleIDs: ["s1"], layers: [5, 7], options: [0xAA], spec: [1, 2, 3])))
        #expect(a.count == 3)
        #expect(a[1] == [3, 0, 0, 0, 1, 0, 0, 0, 0x72, 2, 1, 0, 0, 0, 2, 0, 0, 0, 0x73, 0x31,
                         2, 0, 0, 0, 5, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 0xAA])
        #expect(a[2] == [1, 2, 3])
    }

    @Test("STAGE_DATA carries a tensor as one raw little-endian Float32 frame")
    func stageDataLayout() throws {
        let t = Tensor(shape: [2, 1], data: [1.0, -2.0])
        let f = try MessageCodec.encode(.stageData(StageData(unitID: 4, attempt: 0, leaseID: 5, fromStage: 0, toStage: 1,
                                                             tensors: [NamedTensor(name: "h", tensor: t)])))
        #expect(f.count == 3)
        #expect(f[1] == [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x68, 1, 2, 2, 0, 0, 0, 1, 0, 0, 0])
        #expect(f[2] == [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0])
    }

    @Test("a newer peer's HELLO is a version mismatch, not a parse error")
    func versionMismatch() throws {
        var frames = try MessageCodec.encode(.hello(Hello(workerID: "w", keyscopeVersion: "9", cores: 1, threads: 1, memoryBytes: 1)))
        frames[0][4] = 2
        #expect(throws: ProtocolError.versionMismatch(received: 2, expected: MessageCodec.protocolVersion)) {
            try MessageCodec.decode(frames: frames)
        }
        // Unknown type at an unknown version: still reported as the version problem.
        frames[0][6] = 0x40
        #expect(throws: ProtocolError.versionMismatch(received: 2, expected: MessageCodec.protocolVersion)) {
            try MessageCodec.decode(frames: frames)
        }
    }

    @Test("REJECT from any version decodes (frozen layout)")
    func rejectAnyVersion() throws {
        // Built by hand from the frozen layout, as a future version 7 would send it.
        let header: [UInt8] = Array("KSCP".utf8) + [7, 0, 0xFF, 0] + [UInt8](repeating: 0, count: 16)
        let payload: [UInt8] = [7, 0, 3, 0, 0, 0] + Array("old".utf8)
        let m = try MessageCodec.decode(frames: [header, payload])
        #expect(m == .reject(Reject(expectedVersion: 7, reason: "old")))
        #expect(try MessageCodec.encode(m) == [header, payload])
    }

    @Test("limits are enforced on both sides, naming the field")
    func limits() throws {
        let small = MessageCodec(limits: ProtocolLimits(maxMessageBytes: 1000, maxFrames: 4, maxStringBytes: 8, maxArrayCount: 3, maxBlobBytes: 16))
        #expect(throws: ProtocolError.limitExceeded(field: "SHUTDOWN.reason", value: 9, limit: 8)) {
            try small.encode(.shutdown(Shutdown(reason: "123456789")))
        }
        #expect(throws: ProtocolError.limitExceeded(field: "ASSIGN.layers", value: 4, limit: 3)) {
            try small.encode(.assign(Assign(unitID: 1, attempt: 0, leaseID: 1, runID: "", phase: .main, sampleIDs: [], layers: [1, 2, 3, 4])))
        }
        #expect(throws: ProtocolError.limitExceeded(field: "RESULT.frames", value: 5, limit: 4)) {
            try small.encode(.result(UnitResult(unitID: 1, attempt: 0, leaseID: 1, blobs: [[], [], []])))
        }
        // Decoder: a declared string length over the limit is refused before reading it.
        let big = try MessageCodec.encode(.shutdown(Shutdown(reason: "123456789")))
        #expect(throws: ProtocolError.limitExceeded(field: "SHUTDOWN.reason.length", value: 9, limit: 8)) {
            try small.decode(frames: big)
        }
        // A huge declared array count with few bytes behind it is refused without reserving.
        var frames = try MessageCodec.encode(.assign(Assign(unitID: 1, attempt: 0, leaseID: 1, runID: "", phase: .main, sampleIDs: [], layers: [])))
        frames[1].replaceSubrange(9..<13, with: [0xFF, 0xFF, 0x0F, 0x00])
        #expect(throws: ProtocolError.truncated(field: "ASSIGN.sampleIDs", needed: 0x0F_FFFF * 4, available: frames[1].count - 13)) {
            try MessageCodec.decode(frames: frames)
        }
    }

    @Test("routed envelopes keep the routing id in front")
    func routed() throws {
        let frames = try MessageCodec.standard.encode(.ready(Ready(slots: 2)), to: [0x41, 0x42])
        let (id, m) = try MessageCodec.standard.decode(routed: frames)
        #expect(id == [0x41, 0x42])
        #expect(m == .ready(Ready(slots: 2)))
    }
}

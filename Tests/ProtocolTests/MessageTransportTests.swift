import Testing
@testable import Protocol

@Suite("Message transport helpers")
struct MessageTransportTests {
    @Test("send/receiveMessage over ROUTER/DEALER; a malformed message is consumed and reported")
    func envelopes() throws {
        let context = try ZMQContext()
        let router = try ZMQSocket(context: context, type: .router)
        try router.set(.linger, 0)
        try router.bind("tcp://127.0.0.1:0")
        let dealer = try ZMQSocket(context: context, type: .dealer)
        try dealer.configure(ZMQSocketOptions(linger: 0, routingID: [0x57]))
        try dealer.connect(try router.lastEndpoint())

        try dealer.send(.heartbeat(Heartbeat(sequence: 41)))
        let e = try #require(try router.receiveMessage(timeoutMilliseconds: 2000))
        #expect(e.routingID == [0x57])
        #expect(try e.message.get() == .heartbeat(Heartbeat(sequence: 41)))
        try router.send(.heartbeat(Heartbeat(sequence: 42)), to: [0x57])
        let back = try #require(try dealer.receiveMessage(timeoutMilliseconds: 2000))
        #expect(back.routingID == nil)
        #expect(try back.message.get() == .heartbeat(Heartbeat(sequence: 42)))

        try dealer.send([Array("junk".utf8)])
        let bad = try #require(try router.receiveMessage(timeoutMilliseconds: 2000))
        #expect(bad.routingID == [0x57])
        #expect(throws: ProtocolError.badMagic) { try bad.message.get() }

        let tiny = MessageCodec(limits: ProtocolLimits(maxMessageBytes: 100, maxFrames: 4, maxStringBytes: 2, maxArrayCount: 4, maxBlobBytes: 8))
        #expect(throws: MessageSendError.encoding(.limitExceeded(field: "SHUTDOWN.reason", value: 3, limit: 2))) {
            try dealer.send(.shutdown(Shutdown(reason: "bye")), codec: tiny)
        }
    }
}

import Foundation
import Testing
@testable import Protocol

/// What a worker holding the wrong coordinator key sees (docs/multinode.md: a copied-wrong
/// `coordinator.public`, or a man in the middle presenting its own key): nothing gets through, in
/// either direction, and the ZAP allow-list is never even consulted.
@Suite("CURVE: wrong server key")
struct CurveServerKeyTests {
    @Test("a client with an allowed key but the wrong server key never reaches the server or ZAP")
    func wrongServerKey() throws {
        let context = try ZMQContext()
        let server = try ZMQCurve.keyPair(), impostor = try ZMQCurve.keyPair(), client = try ZMQCurve.keyPair()
        let logs = LogBox()
        let zap = try ZAPAuthenticator(context: context, allowedPublicKeys: [client.publicKey], log: { logs.append($0) })
        defer { zap.stop() }
        let router = try ZMQSocket(context: context, type: .router)
        try router.set(.linger, 0)
        try router.makeCurveServer(secretKey: server.secretKey, authenticator: zap)
        try router.bind("tcp://127.0.0.1:0")
        let endpoint = try router.lastEndpoint()

        let misled = try ZMQSocket(context: context, type: .dealer)
        try misled.configure(ZMQSocketOptions(linger: 0, routingID: Array("misled".utf8)))
        try misled.makeCurveClient(serverPublicKey: impostor.publicKey, keyPair: client)
        try misled.connect(endpoint)
        _ = try misled.trySend([Array("result".utf8)])
        #expect(try router.receive(timeoutMilliseconds: 500) == nil)
        #expect(zap.acceptedCount == 0 && zap.refusedCount == 0)

        // The same client key with the right server key is admitted at once: only the server key was wrong.
        let fixed = try ZMQSocket(context: context, type: .dealer)
        try fixed.configure(ZMQSocketOptions(linger: 0, routingID: Array("fixed".utf8)))
        try fixed.makeCurveClient(serverPublicKey: server.publicKey, keyPair: client)
        try fixed.connect(endpoint)
        try fixed.send([Array("result".utf8)])
        #expect(try router.receive(timeoutMilliseconds: 3000) == [Array("fixed".utf8), Array("result".utf8)])
        #expect(zap.acceptedCount == 1)
        #expect(try router.receive(timeoutMilliseconds: 200) == nil)
        #expect(logs.all.isEmpty)
        for s in [misled, fixed, router] { s.close() }
    }
}

import Foundation
import Testing
@testable import Protocol

/// Collects ZAP log lines from the handler thread.
final class LogBox: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ s: String) { lock.withLock { lines.append(s) } }
    var all: [String] { lock.withLock { lines } }
}

/// Waits (up to `seconds`) for `condition`, checking every 10 ms.
func eventually(_ seconds: Double = 15, _ condition: () -> Bool) -> Bool {
    let end = Date().addingTimeInterval(seconds)
    while Date() < end { if condition() { return true }; Thread.sleep(forTimeInterval: 0.01) }
    return condition()
}

@Suite("CURVE keys, key files and ZAP")
struct CurveTests {
    @Test("key pairs are Z85, distinct, and the public key derives from the secret")
    func keyPairs() throws {
        #expect(ZMQCurve.isAvailable)
        let a = try ZMQCurve.keyPair(), b = try ZMQCurve.keyPair()
        #expect(a.publicKey.utf8.count == 40 && a.secretKey.utf8.count == 40)
        #expect(a != b)
        #expect(try ZMQCurve.publicKey(forSecret: a.secretKey) == a.publicKey)
        let raw = try #require(ZMQCurve.decode(a.publicKey))
        #expect(raw.count == 32)
        #expect(ZMQCurve.encode(raw) == a.publicKey)
        #expect(ZMQCurve.decode("short") == nil)
        #expect(ZMQCurve.decode(String(repeating: "~", count: 40)) == nil)
    }

    @Test("key files: 0600 secret, 0644 public, never overwritten, insecure secret refused")
    func keyFiles() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = dir + "/worker"
        let pair = try ZMQCurve.keyPair()
        try CurveKeyFile.write(pair, base: base)
        let secretPath = CurveKeyFile.secretPath(base: base), publicPath = CurveKeyFile.publicPath(base: base)
        let mode = { (p: String) in (try FileManager.default.attributesOfItem(atPath: p)[.posixPermissions] as? Int) ?? -1 }
        #expect(try mode(secretPath) == 0o600)
        #expect(try mode(publicPath) == 0o644)
        #expect(try CurveKeyFile.readSecret(path: secretPath) == pair)
        #expect(try CurveKeyFile.readPublic(path: publicPath) == pair.publicKey)
        let before = try String(contentsOfFile: secretPath, encoding: .utf8)
        #expect(!(try String(contentsOfFile: publicPath, encoding: .utf8)).contains(pair.secretKey))

        #expect(throws: CurveKeyFileError.exists(path: secretPath)) { try CurveKeyFile.write(try ZMQCurve.keyPair(), base: base) }
        #expect(try String(contentsOfFile: secretPath, encoding: .utf8) == before)

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: secretPath)
        #expect(throws: CurveKeyFileError.insecurePermissions(path: secretPath, mode: 0o644)) { try CurveKeyFile.readSecret(path: secretPath) }

        let bad = dir + "/bad.public"
        try "public-key = tooshort\n".write(toFile: bad, atomically: true, encoding: .utf8)
        #expect(throws: CurveKeyFileError.malformed(path: bad, detail: "line 1: public-key is not a 40-character Z85 key")) {
            try CurveKeyFile.readPublic(path: bad)
        }
    }

    @Test("ZAP over loopback tcp: allowed key talks, other key and plain client are refused")
    func zapAllowList() throws {
        let context = try ZMQContext()
        let server = try ZMQCurve.keyPair(), allowed = try ZMQCurve.keyPair(), stranger = try ZMQCurve.keyPair()
        let logs = LogBox()
        let zap = try ZAPAuthenticator(context: context, allowedPublicKeys: [allowed.publicKey], log: { logs.append($0) })
        defer { zap.stop() }

        let router = try ZMQSocket(context: context, type: .router)
        try router.set(.linger, 0)
        try router.makeCurveServer(secretKey: server.secretKey, authenticator: zap)
        try router.bind("tcp://127.0.0.1:0")
        let endpoint = try router.lastEndpoint()

        func client(_ keys: CurveKeyPair?, id: String) throws -> ZMQSocket {
            let s = try ZMQSocket(context: context, type: .dealer)
            try s.configure(ZMQSocketOptions(linger: 0, routingID: Array(id.utf8)))
            if let keys { try s.makeCurveClient(serverPublicKey: server.publicKey, keyPair: keys) }
            try s.connect(endpoint)
            return s
        }

        // The refused ones first: nothing from them may reach the server.
        let intruder = try client(stranger, id: "stranger")
        let plain = try client(nil, id: "plain")
        _ = try intruder.trySend([Array("let me in".utf8)])
        _ = try plain.trySend([Array("let me in".utf8)])
        #expect(eventually { zap.refusedCount >= 1 })
        let refusal = try #require(zap.refusals.first)
        #expect(refusal.address == "127.0.0.1")
        #expect(refusal.mechanism == "CURVE")
        #expect(refusal.publicKey == stranger.publicKey)
        #expect(refusal.reason == "public key not on the allow-list")
        #expect(logs.all.contains { $0.contains("127.0.0.1") && $0.contains(stranger.publicKey) })

        let friend = try client(allowed, id: "friend")
        try friend.send([Array("hello".utf8)])
        let got = try #require(try router.receive(timeoutMilliseconds: 15000))
        #expect(got == [Array("friend".utf8), Array("hello".utf8)])
        try router.send([Array("friend".utf8), Array("welcome".utf8)])
        #expect(try friend.receive(timeoutMilliseconds: 15000) == [Array("welcome".utf8)])
        #expect(zap.acceptedCount == 1)
        // Still nothing from the refused clients, and the plain client never got as far as ZAP.
        #expect(try router.receive(timeoutMilliseconds: 200) == nil)
        #expect(zap.refusals.allSatisfy { $0.publicKey == stranger.publicKey })

        // Allow-list updates apply to new handshakes (the old intruder is gone first, so only `late` can get in).
        intruder.close()
        try zap.setAllowedPublicKeys([allowed.publicKey, stranger.publicKey])
        let late = try client(stranger, id: "late")
        try late.send([Array("now?".utf8)])
        #expect(try router.receive(timeoutMilliseconds: 15000) == [Array("late".utf8), Array("now?".utf8)])
        #expect(zap.acceptedCount == 2)
        for s in [plain, friend, late, router] { s.close() }

        // A CURVE server without a running handler would admit anyone; the wrapper refuses to make one.
        zap.stop()
        #expect(!zap.isRunning)
        let unguarded = try ZMQSocket(context: context, type: .router)
        #expect(throws: ZMQError.invalidArgument(operation: "makeCurveServer", detail: "needs a running ZAPAuthenticator on the same context")) {
            try unguarded.makeCurveServer(secretKey: server.secretKey, authenticator: zap)
        }
    }
}

import CZeroMQ

/// A CURVE key pair in Z85 text (40 characters each, encoding 32 bytes).
public struct CurveKeyPair: Sendable, Equatable {
    public let publicKey: String
    public let secretKey: String
    public init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }
}

/// CURVE (CurveZMQ: Curve25519 + encryption per connection) helpers. Which clients are allowed is
/// decided by `ZAPAuthenticator`; without a running authenticator a CURVE server accepts any key.
public enum ZMQCurve {
    /// Whether this libzmq was built with CURVE (`zmq_has("curve")`).
    public static var isAvailable: Bool { zmq_has("curve") == 1 }

    /// A fresh random key pair (`zmq_curve_keypair`).
    public static func keyPair() throws(ZMQError) -> CurveKeyPair {
        var pub = [CChar](repeating: 0, count: 41)
        var sec = [CChar](repeating: 0, count: 41)
        if zmq_curve_keypair(&pub, &sec) != 0 { throw ZMQError.current("zmq_curve_keypair", endpoint: nil) }
        return CurveKeyPair(publicKey: text(pub), secretKey: text(sec))
    }

    /// The public key belonging to a Z85 secret key (`zmq_curve_public`).
    public static func publicKey(forSecret secret: String) throws(ZMQError) -> String {
        guard decode(secret) != nil else { throw badKey("zmq_curve_public", secret) }
        var pub = [CChar](repeating: 0, count: 41)
        if zmq_curve_public(&pub, secret) != 0 { throw ZMQError.current("zmq_curve_public", endpoint: nil) }
        return text(pub)
    }

    /// The 32 raw bytes of a Z85 key, or `nil` unless `key` is exactly 40 valid Z85 characters.
    public static func decode(_ key: String) -> [UInt8]? {
        let z85 = Array(key.utf8)
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)
        guard z85.count == 40, z85.allSatisfy(alphabet.contains) else { return nil }
        var out = [UInt8](repeating: 0, count: 32)
        guard zmq_z85_decode(&out, key) != nil else { return nil }
        return out
    }

    /// Z85 text of 32 raw key bytes.
    public static func encode(_ raw: [UInt8]) -> String? {
        guard raw.count == 32 else { return nil }
        var out = [CChar](repeating: 0, count: 41)
        guard zmq_z85_encode(&out, raw, 32) != nil else { return nil }
        return text(out)
    }

    static func text(_ c: [CChar]) -> String {
        String(decoding: c.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func badKey(_ op: String, _ key: String) -> ZMQError {
        .invalidArgument(operation: op, detail: "not a 40-character Z85 CURVE key (got \(key.utf8.count) bytes)")
    }
}

extension ZMQSocket {
    /// Makes this (binding) socket a CURVE server with the given secret key. Call before `bind`.
    /// `authenticator` must be running on this socket's context: libzmq 4.3.4 admits every
    /// well-formed client key when no ZAP handler is bound, so a CURVE server without one is refused here.
    /// - Parameter domain: ZAP domain reported to the authenticator.
    public func makeCurveServer(secretKey: String, authenticator: ZAPAuthenticator, domain: String = "keyscope") throws(ZMQError) {
        guard ZMQCurve.decode(secretKey) != nil else { throw ZMQCurve.badKey("setsockopt(CURVE_SECRETKEY)", secretKey) }
        guard authenticator.context === context, authenticator.isRunning else {
            throw ZMQError.invalidArgument(operation: "makeCurveServer", detail: "needs a running ZAPAuthenticator on the same context")
        }
        try set(.curveServer, 1)
        try setString(ZMQ_CURVE_SECRETKEY, "CURVE_SECRETKEY", secretKey)
        try setString(ZMQ_ZAP_DOMAIN, "ZAP_DOMAIN", domain)
    }

    /// Makes this (connecting) socket a CURVE client of the server with `serverPublicKey`. Call before `connect`.
    public func makeCurveClient(serverPublicKey: String, keyPair: CurveKeyPair) throws(ZMQError) {
        for (key, name) in [(serverPublicKey, "CURVE_SERVERKEY"), (keyPair.publicKey, "CURVE_PUBLICKEY"), (keyPair.secretKey, "CURVE_SECRETKEY")]
        where ZMQCurve.decode(key) == nil {
            throw ZMQCurve.badKey("setsockopt(\(name))", key)
        }
        try setString(ZMQ_CURVE_SERVERKEY, "CURVE_SERVERKEY", serverPublicKey)
        try setString(ZMQ_CURVE_PUBLICKEY, "CURVE_PUBLICKEY", keyPair.publicKey)
        try setString(ZMQ_CURVE_SECRETKEY, "CURVE_SECRETKEY", keyPair.secretKey)
    }
}

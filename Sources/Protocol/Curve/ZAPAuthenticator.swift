import CZeroMQ
import Foundation

/// One refused connection attempt, as logged by `ZAPAuthenticator`.
public struct ZAPRefusal: Sendable, Equatable {
    /// Peer IP address as libzmq reports it (empty for ipc/inproc).
    public let address: String
    public let mechanism: String
    /// Z85 public key the client presented (CURVE only).
    public let publicKey: String?
    public let reason: String
}

/// A ZAP handler (RFC 27) that admits CURVE clients whose public key is on an allow-list.
///
/// It binds a REP socket to `inproc://zeromq.zap.01` on the given context — there can be one per
/// context — and answers libzmq's authentication requests on its own thread. Start it before binding
/// the CURVE server socket: libzmq lets everyone in when no ZAP handler is bound. Clients that do not
/// speak CURVE at all never reach ZAP (the mechanism handshake fails first); they are refused by
/// libzmq itself and not counted here.
public final class ZAPAuthenticator: @unchecked Sendable {
    public static let endpoint = "inproc://zeromq.zap.01"
    public typealias Logger = @Sendable (String) -> Void

    /// The handler thread holds only `core`, so dropping the authenticator stops it (via `deinit`).
    private let core: ZAPCore
    /// The context whose `inproc://zeromq.zap.01` this handler serves.
    public let context: ZMQContext

    /// - Parameters:
    ///   - allowedPublicKeys: Z85 client public keys that may connect.
    ///   - log: receives one line per refusal (default: standard error).
    public init(context: ZMQContext = .shared, allowedPublicKeys: [String],
                log: @escaping Logger = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) throws(ZMQError) {
        core = ZAPCore(allowed: try Self.rawKeys(allowedPublicKeys), log: log)
        self.context = context
        let socket = try ZMQSocket(context: context, type: .rep)
        try socket.set(.linger, 0)
        try socket.bind(Self.endpoint)   // bound before init returns, so no handshake slips past
        core.running = true
        let core = self.core
        let thread = Thread { core.serve(socket) }
        thread.name = "keyscope.zap"
        thread.start()
    }

    deinit { stop() }

    /// Replaces the allow-list (e.g. after `cluster.json` is reloaded); affects new handshakes only.
    public func setAllowedPublicKeys(_ keys: [String]) throws(ZMQError) {
        let raw = try Self.rawKeys(keys)
        core.lock.withLock { core.allowed = raw }
    }

    /// False once `stop()` was called or the context was terminated.
    public var isRunning: Bool { core.lock.withLock { core.running && !core.stopping } }

    public var refusedCount: Int { core.lock.withLock { core.refused } }
    public var acceptedCount: Int { core.lock.withLock { core.accepted } }
    /// The most recent refusals (at most 100).
    public var refusals: [ZAPRefusal] { core.lock.withLock { core.refusalLog } }

    /// Stops the handler thread and closes its socket (waits at most one poll interval). Idempotent.
    /// Close the CURVE server sockets first: once no handler is bound, libzmq 4.3.4 lets every
    /// well-formed CURVE client in.
    public func stop() { core.stop() }

    private static func rawKeys(_ keys: [String]) throws(ZMQError) -> Set<[UInt8]> {
        var raw = Set<[UInt8]>()
        for k in keys {
            guard let r = ZMQCurve.decode(k) else { throw ZMQCurve.badKey("ZAPAuthenticator allow-list", k) }
            raw.insert(r)
        }
        return raw
    }
}

/// State shared between `ZAPAuthenticator` and its thread; every field is guarded by `lock`.
private final class ZAPCore: @unchecked Sendable {
    let lock = NSLock()
    var allowed: Set<[UInt8]>
    var refusalLog: [ZAPRefusal] = []
    var refused = 0
    var accepted = 0
    var stopping = false
    var running = false
    let log: ZAPAuthenticator.Logger
    private let finished = DispatchSemaphore(value: 0)

    init(allowed: Set<[UInt8]>, log: @escaping ZAPAuthenticator.Logger) {
        self.allowed = allowed
        self.log = log
    }

    func stop() {
        let wait: Bool = lock.withLock {
            defer { stopping = true }
            return running && !stopping
        }
        if wait { finished.wait() }
    }

    func serve(_ socket: ZMQSocket) {
        let poller = ZMQPoller()
        poller.add(socket)
        defer {
            socket.close()
            lock.withLock { running = false }
            finished.signal()
        }
        while !lock.withLock({ stopping }) {
            do {
                guard try poller.poll(timeoutMilliseconds: 50)[0].contains(.readable),
                      let request = try socket.tryReceive() else { continue }
                try socket.send(answer(request))
            } catch {
                if case .terminated = error { return }
                log("ZAP handler: \(error)")
            }
        }
    }

    /// RFC 27 request: version, request id, domain, address, routing id, mechanism, credentials…
    private func answer(_ f: [[UInt8]]) -> [[UInt8]] {
        guard f.count >= 6, f[0] == Array("1.0".utf8) else {
            return reply(f.count > 1 ? f[1] : [], "400", "malformed ZAP request")
        }
        let address = String(decoding: f[3], as: UTF8.self)
        let mechanism = String(decoding: f[5], as: UTF8.self)
        var key: [UInt8]?
        let verdict: String?
        if mechanism == "CURVE", f.count == 7, f[6].count == 32 {
            key = f[6]
            verdict = lock.withLock { allowed.contains(f[6]) } ? nil : "public key not on the allow-list"
        } else {
            verdict = "mechanism \(mechanism) not allowed (CURVE required)"
        }
        guard let reason = verdict else {
            lock.withLock { accepted += 1 }
            return reply(f[1], "200", "OK", user: key.flatMap(ZMQCurve.encode) ?? "")
        }
        let refusal = ZAPRefusal(address: address, mechanism: mechanism, publicKey: key.flatMap(ZMQCurve.encode), reason: reason)
        lock.withLock {
            refused += 1
            refusalLog.append(refusal)
            if refusalLog.count > 100 { refusalLog.removeFirst() }
        }
        log("ZAP: refused \(mechanism) client from \(address.isEmpty ? "(local)" : address)\(refusal.publicKey.map { " key \($0)" } ?? ""): \(reason)")
        return reply(f[1], "400", reason)
    }

    private func reply(_ requestID: [UInt8], _ code: String, _ text: String, user: String = "") -> [[UInt8]] {
        [Array("1.0".utf8), requestID, Array(code.utf8), Array(text.utf8), Array(user.utf8), []]
    }
}

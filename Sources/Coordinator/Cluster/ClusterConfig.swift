import Foundation

/// `cluster.json` (DESIGN §8): where the coordinator listens, which workers to expect or start, how
/// layers split into stages, heartbeat/lease settings and CURVE keys.
///
/// Parsed by hand from `JSONSerialization` output rather than `Codable` so that every problem can be
/// reported with its JSON path and a "did you mean" hint, all at once, instead of the first one only.
public struct ClusterConfig: Sendable, Equatable {
    public struct Coordinator: Sendable, Equatable {
        /// `ipc` (default, a socket in the run directory) or a `tcp://host:port` endpoint to bind.
        public var bind: String = "ipc"
        /// Endpoint workers connect to (`auto` = derived from `bind`).
        public var endpoint: String = "auto"
    }
    public struct WorkerGroup: Sendable, Equatable {
        public var host: String
        public var count: Int
        public var threads: Int
        public var memoryGiB: Double?
    }
    public struct Curve: Sendable, Equatable {
        public var serverSecretKeyFile: String
        public var serverPublicKeyFile: String?
        public var allowedClientKeys: [String]
    }
    public var coordinator = Coordinator()
    public var workers: [WorkerGroup] = [WorkerGroup(host: "localhost", count: 2, threads: 1, memoryGiB: nil)]
    /// `auto` or explicit layer boundaries, e.g. `[0, 16, 32]`.
    public var stages: [Int]? = nil
    public var heartbeatIntervalMs: Int = 1000
    public var heartbeatLiveness: Int = 5
    public var leaseTimeoutSeconds: Double = 600
    public var maxAttempts: Int = 3
    public var curve: Curve? = nil

    public init() {}

    /// Whether the coordinator would listen on something other than ipc or loopback.
    public var bindsNonLoopback: Bool {
        guard coordinator.bind.hasPrefix("tcp://") else { return false }
        let host = coordinator.bind.dropFirst(6).split(separator: ":").first.map(String.init) ?? ""
        return !(host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host.hasPrefix("127."))
    }

    public static func load(_ url: URL) throws -> ClusterConfig {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ClusterConfigError(file: url.path, problems: ["cannot read file: \(error.localizedDescription)"])
        }
        return try parse(data, file: url.path)
    }

    public static func parse(_ data: Data, file: String = "cluster.json") throws -> ClusterConfig {
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            throw ClusterConfigError(file: file, problems: ["not valid JSON: \(error.localizedDescription)"])
        }
        var v = Validator()
        var config = ClusterConfig()
        guard let obj = v.object(root, at: "$") else { throw ClusterConfigError(file: file, problems: v.problems) }
        v.checkKeys(obj, allowed: ["coordinator", "workers", "pipeline", "heartbeat", "lease", "curve"], at: "$")
        if let c = obj["coordinator"].flatMap({ v.object($0, at: "$.coordinator") }) {
            v.checkKeys(c, allowed: ["bind", "endpoint"], at: "$.coordinator")
            if let b = v.string(c["bind"], at: "$.coordinator.bind") {
                if b == "ipc" || b.hasPrefix("tcp://") || b.hasPrefix("ipc://") { config.coordinator.bind = b }
                else { v.problem("$.coordinator.bind", "must be \"ipc\", ipc://PATH or tcp://HOST:PORT, got \"\(b)\"") }
            }
            if let e = v.string(c["endpoint"], at: "$.coordinator.endpoint") { config.coordinator.endpoint = e }
        }
        if let ws = obj["workers"] {
            if let arr = ws as? [Any] {
                config.workers = []
                for (i, w) in arr.enumerated() {
                    let p = "$.workers[\(i)]"
                    guard let wo = v.object(w, at: p) else { continue }
                    v.checkKeys(wo, allowed: ["host", "count", "threads", "memory_gib"], at: p)
                    let host = v.string(wo["host"], at: p + ".host") ?? "localhost"
                    let count = v.int(wo["count"], at: p + ".count", min: 0) ?? 1
                    let threads = v.int(wo["threads"], at: p + ".threads", min: 1) ?? 1
                    let mem = v.double(wo["memory_gib"], at: p + ".memory_gib", min: 0)
                    config.workers.append(WorkerGroup(host: host, count: count, threads: threads, memoryGiB: mem))
                }
            } else { v.problem("$.workers", "must be an array of {host, count, threads}") }
        }
        if let pl = obj["pipeline"].flatMap({ v.object($0, at: "$.pipeline") }) {
            v.checkKeys(pl, allowed: ["stages"], at: "$.pipeline")
            if let s = pl["stages"] {
                if let str = s as? String, str == "auto" { config.stages = nil }
                else if let arr = s as? [Any], let ints = arr as? [Int], ints.count >= 2,
                        zip(ints, ints.dropFirst()).allSatisfy({ $0 < $1 }), ints.first == 0 {
                    config.stages = ints
                } else { v.problem("$.pipeline.stages", "must be \"auto\" or increasing layer boundaries starting at 0, e.g. [0, 16, 32]") }
            }
        }
        if let hb = obj["heartbeat"].flatMap({ v.object($0, at: "$.heartbeat") }) {
            v.checkKeys(hb, allowed: ["interval_ms", "liveness"], at: "$.heartbeat")
            if let x = v.int(hb["interval_ms"], at: "$.heartbeat.interval_ms", min: 10) { config.heartbeatIntervalMs = x }
            if let x = v.int(hb["liveness"], at: "$.heartbeat.liveness", min: 1) { config.heartbeatLiveness = x }
        }
        if let l = obj["lease"].flatMap({ v.object($0, at: "$.lease") }) {
            v.checkKeys(l, allowed: ["timeout_s", "max_attempts"], at: "$.lease")
            if let x = v.double(l["timeout_s"], at: "$.lease.timeout_s", min: 0.001) { config.leaseTimeoutSeconds = x }
            if let x = v.int(l["max_attempts"], at: "$.lease.max_attempts", min: 1) { config.maxAttempts = x }
        }
        if let cv = obj["curve"].flatMap({ v.object($0, at: "$.curve") }) {
            v.checkKeys(cv, allowed: ["server_secret_key_file", "server_public_key_file", "allowed_client_keys"], at: "$.curve")
            let secret = v.string(cv["server_secret_key_file"], at: "$.curve.server_secret_key_file")
            if secret == nil && cv["server_secret_key_file"] == nil { v.problem("$.curve.server_secret_key_file", "is required when curve is set") }
            let pub = v.string(cv["server_public_key_file"], at: "$.curve.server_public_key_file")
            var keys: [String] = []
            if let arr = cv["allowed_client_keys"] as? [Any] {
                for (i, k) in arr.enumerated() {
                    if let s = v.string(k, at: "$.curve.allowed_client_keys[\(i)]") {
                        if s.utf8.count == 40 { keys.append(s) }
                        else { v.problem("$.curve.allowed_client_keys[\(i)]", "must be a 40-character Z85 public key, got \(s.utf8.count) characters") }
                    }
                }
            } else { v.problem("$.curve.allowed_client_keys", "must be an array of Z85 public keys") }
            if let secret { config.curve = Curve(serverSecretKeyFile: secret, serverPublicKeyFile: pub, allowedClientKeys: keys) }
        }
        if !v.problems.isEmpty { throw ClusterConfigError(file: file, problems: v.problems) }
        return config
    }
}

/// Every problem found in a cluster file, each with its JSON path.
public struct ClusterConfigError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let problems: [String]
    public var description: String {
        "\(file): \(problems.count) problem\(problems.count == 1 ? "" : "s"):\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

/// Collects problems with JSON paths while reading untyped JSON.
struct Validator {
    var problems: [String] = []
    mutating func problem(_ path: String, _ message: String) { problems.append("\(path) \(message)") }

    mutating func object(_ any: Any, at path: String) -> [String: Any]? {
        if let o = any as? [String: Any] { return o }
        problem(path, "must be an object"); return nil
    }
    mutating func string(_ any: Any?, at path: String) -> String? {
        guard let any else { return nil }
        if let s = any as? String { return s }
        problem(path, "must be a string"); return nil
    }
    mutating func int(_ any: Any?, at path: String, min: Int) -> Int? {
        guard let any else { return nil }
        if let n = any as? NSNumber, !isJSONBool(n), n.doubleValue == n.doubleValue.rounded() {
            if n.intValue >= min { return n.intValue }
            problem(path, "must be ≥ \(min), got \(n.intValue)"); return nil
        }
        problem(path, "must be an integer"); return nil
    }
    mutating func double(_ any: Any?, at path: String, min: Double) -> Double? {
        guard let any else { return nil }
        if let n = any as? NSNumber, !isJSONBool(n) {
            if n.doubleValue >= min { return n.doubleValue }
            problem(path, "must be ≥ \(min), got \(n.doubleValue)"); return nil
        }
        problem(path, "must be a number"); return nil
    }
    mutating func checkKeys(_ obj: [String: Any], allowed: [String], at path: String) {
        for key in obj.keys.sorted() where !allowed.contains(key) {
            let hint = allowed.min { editDistance($0, key) < editDistance($1, key) }
            if let hint, editDistance(hint, key) <= 3 { problem("\(path).\(key)", "is not a known key (did you mean \"\(hint)\"?)") }
            else { problem("\(path).\(key)", "is not a known key (known: \(allowed.joined(separator: ", ")))") }
        }
    }
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }; if b.isEmpty { return a.count }
    var prev = Array(0...b.count), cur = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        cur[0] = i
        for j in 1...b.count { cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)) }
        swap(&prev, &cur)
    }
    return prev[b.count]
}

/// JSON `true`/`false` arrive as NSNumber too; they are not numbers for our purposes.
func isJSONBool(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

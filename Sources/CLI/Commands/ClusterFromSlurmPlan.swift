import Coordinator
import Foundation

/// What `keyscope cluster from-slurm` derives from a Slurm job's environment: the coordinator endpoint on the
/// first node of the allocation and one worker group per node (DESIGN §8, STYLE "Operations").
///
/// Pure (environment in, JSON out) so that tests can feed a fake job without Slurm.
struct ClusterFromSlurmPlan: Equatable {
    var jobID: Int
    var hosts: [String]
    var tasksPerNode: [Int]
    var threads: Int
    var address: String
    var port: Int

    /// A requeued job keeps its id, so it keeps its port and its workers' endpoint; two jobs on one node
    /// collide only when their ids are 20 000 apart.
    static func defaultPort(jobID: Int) -> Int { 20_000 + jobID % 20_000 }

    static func make(environment env: [String: String], coordinatorAddress: String?, port: Int?) throws -> ClusterFromSlurmPlan {
        func required(_ name: String, _ hint: String) throws -> String {
            guard let v = env[name]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else {
                throw ClusterFromSlurmError.missing(name, hint: hint)
            }
            return v
        }
        func positiveInt(_ name: String, _ value: String) throws -> Int {
            guard let n = Int(value), n > 0 else { throw ClusterFromSlurmError.bad(name, value: value, expected: "a positive integer") }
            return n
        }
        let nodeList = try required("SLURM_JOB_NODELIST", "run inside an allocation (sbatch/salloc)")
        let hosts: [String]
        do { hosts = try SlurmHostList.expand(nodeList) } catch let e as SlurmHostListError {
            throw ClusterFromSlurmError.bad("SLURM_JOB_NODELIST", value: nodeList, expected: "a Slurm host list (\(e.reason))")
        }
        let idText = try required("SLURM_JOB_ID", "run inside an allocation (sbatch/salloc)")
        guard let jobID = Int(idText), jobID >= 0 else {
            throw ClusterFromSlurmError.bad("SLURM_JOB_ID", value: idText, expected: "a non-negative integer")
        }
        let perNode: [Int]
        if let v = env["SLURM_NTASKS_PER_NODE"], !v.isEmpty {
            perNode = Array(repeating: try positiveInt("SLURM_NTASKS_PER_NODE", v), count: hosts.count)
        } else if let v = env["SLURM_TASKS_PER_NODE"], !v.isEmpty {
            perNode = try expandTasksPerNode(v, nodes: hosts.count)
        } else {
            throw ClusterFromSlurmError.missing("SLURM_NTASKS_PER_NODE", hint: "submit with --ntasks-per-node=N")
        }
        let threads = try positiveInt("SLURM_CPUS_PER_TASK", try required("SLURM_CPUS_PER_TASK", "submit with --cpus-per-task=T"))
        let p = port ?? defaultPort(jobID: jobID)
        guard (1...65535).contains(p) else { throw ClusterFromSlurmError.badPort(p) }
        return ClusterFromSlurmPlan(jobID: jobID, hosts: hosts, tasksPerNode: perNode, threads: threads,
                                    address: coordinatorAddress ?? hosts[0], port: p)
    }

    /// `SLURM_TASKS_PER_NODE` uses Slurm's run-length form: `2(x3),1` = 2, 2, 2, 1.
    static func expandTasksPerNode(_ value: String, nodes: Int) throws -> [Int] {
        let bad = ClusterFromSlurmError.bad("SLURM_TASKS_PER_NODE", value: value, expected: "counts like 2(x3),1")
        var out: [Int] = []
        for item in value.split(separator: ",", omittingEmptySubsequences: false) {
            var count = 1, text = Substring(item)
            if let open = item.firstIndex(of: "("), item.hasSuffix(")") {
                let rep = item[item.index(open, offsetBy: 1)..<item.index(before: item.endIndex)]
                guard rep.hasPrefix("x"), let r = Int(rep.dropFirst()), r > 0, r <= 1_000_000 else { throw bad }
                count = r; text = item[..<open]
            }
            guard let n = Int(text), n > 0 else { throw bad }
            out += Array(repeating: n, count: count)
        }
        guard out.count == nodes else {
            throw ClusterFromSlurmError.bad("SLURM_TASKS_PER_NODE", value: value,
                                            expected: "one count per node of SLURM_JOB_NODELIST (\(nodes)), got \(out.count)")
        }
        return out
    }

    /// The coordinator binds and is reached at the same address: a node address (IP) binds everywhere
    /// libzmq runs, whereas a host name only works where it resolves.
    var endpoint: String { "tcp://\(address):\(port)" }

    /// cluster.json text, keys sorted so that a requeued job writes the same bytes.
    func json() throws -> Data {
        let c = ClusterConfig()  // heartbeat and lease defaults
        let root: [String: Any] = [
            "coordinator": ["bind": endpoint, "endpoint": endpoint],
            "workers": zip(hosts, tasksPerNode).map { ["host": $0, "count": $1, "threads": threads] },
            "pipeline": ["stages": "auto"],
            "heartbeat": ["interval_ms": c.heartbeatIntervalMs, "liveness": c.heartbeatLiveness],
            "lease": ["timeout_s": c.leaseTimeoutSeconds, "max_attempts": c.maxAttempts],
        ]
        var data = try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        data.append(0x0A)
        return data
    }
}

/// Why a cluster file could not be derived; each case names the variable or option at fault.
enum ClusterFromSlurmError: Error, Equatable, CustomStringConvertible {
    case missing(String, hint: String)
    case bad(String, value: String, expected: String)
    case badPort(Int)

    var description: String {
        switch self {
        case let .missing(name, hint): "\(name) is not set (\(hint))"
        case let .bad(name, value, expected): "\(name)=\"\(value)\" is not \(expected)"
        case let .badPort(p): "--port \(p) is outside 1…65535"
        }
    }
}

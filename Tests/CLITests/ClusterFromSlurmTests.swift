import Coordinator
import Foundation
import Testing
@testable import CLI

@Suite struct ClusterFromSlurmTests {
    let job: [String: String] = [
        "SLURM_JOB_NODELIST": "node[01-02],gpu5", "SLURM_JOB_ID": "123456",
        "SLURM_NTASKS_PER_NODE": "2", "SLURM_CPUS_PER_TASK": "4",
    ]

    func output(_ args: [String], _ env: [String: String]) throws -> Data {
        let cmd = try ClusterFromSlurm.parse(args)
        var printed = Data()
        try cmd.run(environment: env) { printed.append($0) }
        return printed
    }

    @Test func writesAConfigThatLoads() throws {
        let data = try output([], job)
        let c = try ClusterConfig.parse(data)
        // 20000 + 123456 mod 20000 = 23456
        #expect(c.coordinator.bind == "tcp://node01:23456")
        #expect(c.coordinator.endpoint == "tcp://node01:23456")
        #expect(c.workers.map(\.host) == ["node01", "node02", "gpu5"])
        #expect(c.workers.allSatisfy { $0.count == 2 && $0.threads == 4 })
        #expect(c.curve == nil && c.stages == nil)
    }

    @Test func writesFileAtomicallyAndLoadAcceptsIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("from-slurm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("cluster.json")
        let cmd = try ClusterFromSlurm.parse(["--out", file.path, "--coordinator-address", "10.78.0.11", "--port", "31000"])
        let written = try cmd.run(environment: job) { _ in Issue.record("nothing goes to stdout with --out") }
        #expect(try Data(contentsOf: file) == written)
        let c = try ClusterConfig.load(file)
        #expect(c.coordinator.bind == "tcp://10.78.0.11:31000")
        #expect(c.bindsNonLoopback)
    }

    @Test func requeuedJobKeepsItsPortAndBytes() throws {
        #expect(try output([], job) == output([], job))
        #expect(ClusterFromSlurmPlan.defaultPort(jobID: 0) == 20000)
        #expect(ClusterFromSlurmPlan.defaultPort(jobID: 19999) == 39999)
        #expect(ClusterFromSlurmPlan.defaultPort(jobID: 40007) == 20007)
    }

    @Test func fallsBackToTasksPerNodeRunLengths() throws {
        var env = job
        env["SLURM_NTASKS_PER_NODE"] = nil
        env["SLURM_TASKS_PER_NODE"] = "3(x2),1"
        let c = try ClusterConfig.parse(try output([], env))
        #expect(c.workers.map(\.count) == [3, 3, 1])
        env["SLURM_TASKS_PER_NODE"] = "3(x2)"
        #expect(throws: ClusterFromSlurmError.self) { try output([], env) }
    }

    /// Each missing or malformed variable is named in the message.
    @Test(arguments: [
        ("SLURM_JOB_NODELIST", nil), ("SLURM_JOB_NODELIST", "node[03-01]"), ("SLURM_JOB_ID", nil),
        ("SLURM_JOB_ID", "12x"), ("SLURM_NTASKS_PER_NODE", nil), ("SLURM_NTASKS_PER_NODE", "0"),
        ("SLURM_CPUS_PER_TASK", nil), ("SLURM_CPUS_PER_TASK", "four"),
    ] as [(String, String?)])
    func namesTheBadVariable(name: String, value: String?) {
        var env = job
        env[name] = value
        #expect {
            try output([], env)
        } throws: { error in
            guard let e = error as? ClusterFromSlurmError else { return false }
            return "\(e)".hasPrefix(name) && (value.map { "\(e)".contains($0) } ?? "\(e)".contains("is not set"))
        }
    }

    @Test func rejectsPortOutOfRange() {
        #expect(throws: ClusterFromSlurmError.badPort(70000)) { try output(["--port", "70000"], job) }
    }
}

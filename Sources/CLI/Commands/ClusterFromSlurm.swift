import ArgumentParser
import Coordinator
import Foundation

/// `keyscope cluster from-slurm`: writes the cluster.json of the current Slurm job (coordinator on the first
/// node, one worker per task) so that batch scripts need no hand-written JSON. See scripts/slurm/README.md.
struct ClusterFromSlurm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "from-slurm",
        abstract: "Write cluster.json for the current Slurm job (SLURM_JOB_NODELIST, SLURM_JOB_ID, "
            + "SLURM_NTASKS_PER_NODE, SLURM_CPUS_PER_TASK).")
    @Option(help: "Where to write cluster.json; - for standard output.") var out: String = "-"
    @Option(help: "Address the coordinator binds and workers connect to (default: first host of the node list).")
    var coordinatorAddress: String?
    @Option(help: "TCP port (default: 20000 + SLURM_JOB_ID mod 20000, stable across requeues).") var port: Int?

    func run() throws {
        do { try run(environment: ProcessInfo.processInfo.environment) } catch let e as ClusterFromSlurmError {
            FileHandle.standardError.write(Data("keyscope cluster from-slurm: \(e)\n".utf8)); throw ExitCode(1)
        }
    }

    /// The testable core: derives, self-checks with `ClusterConfig.parse` and writes; returns the bytes.
    @discardableResult
    func run(environment: [String: String], standardOutput: (Data) -> Void = { FileHandle.standardOutput.write($0) }) throws -> Data {
        let plan = try ClusterFromSlurmPlan.make(environment: environment, coordinatorAddress: coordinatorAddress, port: port)
        let data = try plan.json()
        _ = try ClusterConfig.parse(data, file: out == "-" ? "<stdout>" : out)
        if out == "-" { standardOutput(data) } else {
            // Written whole then renamed, so a worker never reads a half-written file on shared storage.
            try data.write(to: URL(fileURLWithPath: out), options: .atomic)
        }
        return data
    }
}

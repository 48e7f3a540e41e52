import ArgumentParser
import Coordinator
import Foundation

/// `keyscope cluster …`: inspect cluster files.
struct ClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cluster", abstract: "Cluster files (DESIGN §8).",
                                                    subcommands: [ClusterCheck.self, ClusterFromSlurm.self])
}

/// Validates a cluster file and lists every problem with its JSON path.
struct ClusterCheck: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate a cluster.json.")
    @Argument(help: "Path to cluster.json.") var file: String = "cluster.json"

    func run() throws {
        do {
            let c = try ClusterConfig.load(URL(fileURLWithPath: file))
            let workers = c.workers.reduce(0) { $0 + $1.count }
            print("\(file): ok — bind \(c.coordinator.bind), \(workers) worker(s) on \(c.workers.count) host(s), "
                  + "stages \(c.stages.map { "\($0)" } ?? "auto"), CURVE \(c.curve == nil ? "off" : "on")")
            if c.bindsNonLoopback && c.curve == nil {
                print("warning: \(c.coordinator.bind) is not a loopback address and CURVE is off; anyone who can reach it can join the run")
            }
        } catch let e as ClusterConfigError {
            FileHandle.standardError.write(Data((e.description + "\n").utf8))
            throw ExitCode(1)
        }
    }
}

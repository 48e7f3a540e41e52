import ArgumentParser
import Foundation

/// `keyscope coordinator --cluster cluster.json …`: the multi-node form of `run` — the same plan, journal
/// and report, but listening for `keyscope worker --connect` on other hosts and starting no local workers
/// unless `--workers N` asks for some.
struct CoordinatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Coordinate a multi-node run: `run` that waits for remote workers (needs --cluster or --bind).",
        discussion: "Takes every option of `keyscope run`; --workers defaults to 0 here.")
    @OptionGroup var options: RunCommand

    /// Whether the user gave --workers (ArgumentParser has no "was set" for defaulted options).
    static func workersGiven(_ arguments: [String]) -> Bool {
        arguments.contains { $0 == "--workers" || $0.hasPrefix("--workers=") }
    }

    func run() throws {
        guard options.cluster != nil || options.bind != nil else {
            throw ValidationError("a coordinator for other hosts needs --cluster cluster.json or --bind tcp://HOST:PORT")
        }
        var r = options
        if !Self.workersGiven(CommandLine.arguments) { r.workers = 0 }
        try r.run()
    }
}

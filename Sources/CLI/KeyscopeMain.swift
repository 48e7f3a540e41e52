import ArgumentParser
import Foundation

/// The version every component reports (HELLO, plan.json, `--version`).
public let keyscopeVersion = "0.1.0"

/// Root command. Subcommands live in `Commands/`, one file each.
public struct KeyscopeMain: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "keyscope",
        abstract: "Measure intrinsic text bias of multimodal LLMs in attention key space.",
        version: keyscopeVersion,
        subcommands: KeyscopeMain.registeredSubcommands
    )

    /// Subcommands are appended here as they are implemented.
    nonisolated(unsafe) public static var registeredSubcommands: [ParsableCommand.Type] = [
        BenchCommand.self,
        ClusterCommand.self,
        CurveKeygenCommand.self,
        RunCommand.self,
        CoordinatorCommand.self,
        WorkerCommand.self,
        ResumeCommand.self,
        StatusCommand.self,
        SweepCommand.self,
        ReportCommand.self,
        KeysCommand.self,
        AnalyzeCommand.self,
        InspectCommand.self,
    ]

    public init() {}

    /// Entry point: usage errors exit with status 2 (the Unix convention) rather than 64.
    public static func run(arguments: [String]? = nil) -> Never {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            Foundation.exit(0)
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

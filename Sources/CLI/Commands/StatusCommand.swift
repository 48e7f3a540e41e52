import ArgumentParser
import Coordinator
import Foundation

/// `keyscope status RUN_DIR|SWEEP_DIR`: progress, rates, ETA, workers, failures, quarantined units and
/// garbage counters of a run, or one line per run of a sweep; while live or after the end.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show a run's (or a sweep's) progress, workers, failures and garbage counters.")
    @Argument(help: "Run directory (runs/<run-id>) or sweep directory (<out>/<sweep-name>).") var directory: String
    @Flag(help: "Machine-readable JSON.") var json = false

    func run() throws {
        if SweepDirectory.isSweep(directory) {
            let statuses = try SweepDirectory.open(directory).statuses()
            if json {
                print(String(decoding: try statuses.jsonData(), as: UTF8.self))
            } else {
                print(statuses.text())
            }
            return
        }
        let dir: RunDirectory
        do { dir = try RunDirectory.open(directory) } catch { throw ValidationError("\(error)") }
        let status = try RunStatus.load(dir)
        if json {
            print(String(decoding: try status.jsonData(), as: UTF8.self))
        } else {
            print(status.text(runDirectory: dir.path))
        }
    }
}

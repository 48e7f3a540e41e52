import Foundation

/// `keyscope run --workers N`: N `keyscope worker` child processes on the run's ipc endpoint, each
/// logging to `logs/worker-<i>.log` and watching our pid so none outlives a killed coordinator.
final class LocalWorkerPool {
    private var processes: [Process] = []

    init(count: Int, endpoint: String, threads: Int, logsDirectory: String, extraArguments: [String] = []) throws {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        for i in 0..<count {
            let p = Process()
            p.executableURL = exe
            p.arguments = ["worker", "--connect", endpoint, "--threads", "\(threads)", "--id", "local-\(i)",
                           "--parent-pid", "\(getpid())"] + extraArguments
            let logPath = "\(logsDirectory)/worker-\(i).log"
            FileManager.default.createFile(atPath: logPath, contents: nil)
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            log.seekToEndOfFile()
            p.standardOutput = log
            p.standardError = log
            p.standardInput = FileHandle.nullDevice
            var env = ProcessInfo.processInfo.environment
            env["OPENBLAS_NUM_THREADS"] = "\(threads)"
            env["OMP_NUM_THREADS"] = "\(threads)"
            p.environment = env
            try p.run()
            processes.append(p)
        }
    }

    /// Waits briefly for workers that received SHUTDOWN, then terminates any left.
    func stop(grace: TimeInterval = 5) {
        let deadline = Date().addingTimeInterval(grace)
        while processes.contains(where: \.isRunning) && Date() < deadline { usleep(50_000) }
        for p in processes where p.isRunning { p.terminate() }
        for p in processes { p.waitUntilExit() }
    }

    var exitCodes: [Int32] { processes.map { $0.isRunning ? -1 : $0.terminationStatus } }
}

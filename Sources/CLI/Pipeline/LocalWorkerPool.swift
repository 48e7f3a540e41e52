import Foundation

/// `keyscope run --workers N`: N `keyscope worker` child processes on the run's ipc endpoint, each
/// logging to `logs/worker-<i>.log` and watching our pid so none outlives a killed coordinator.
/// A worker killed by a signal (OOM killer, kill -9) is started again, at most `maxRestarts` times per
/// slot: otherwise a local run whose workers all died would wait forever for workers that never come.
/// A restarted worker gets a new id (`local-<i>-r<n>`), so the dead one's lease still expires and counts
/// as a failed attempt: a unit that keeps killing its worker is quarantined, not retried forever.
final class LocalWorkerPool: @unchecked Sendable {
    private let lock = NSLock()
    private var processes: [Process] = []
    private var restarts: [Int] = []
    private var stopping = false
    private let endpoint: String, threads: Int, logsDirectory: String, extraArguments: [String]
    let maxRestarts: Int

    init(count: Int, endpoint: String, threads: Int, logsDirectory: String, extraArguments: [String] = [], maxRestarts: Int = 10) throws {
        self.endpoint = endpoint; self.threads = threads; self.logsDirectory = logsDirectory
        self.extraArguments = extraArguments; self.maxRestarts = maxRestarts
        restarts = Array(repeating: 0, count: count)
        for i in 0..<count { processes.append(try launch(slot: i)) }
    }

    private func launch(slot i: Int) throws -> Process {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let p = Process()
        p.executableURL = exe
        let id = restarts[i] == 0 ? "local-\(i)" : "local-\(i)-r\(restarts[i])"
        p.arguments = ["worker", "--connect", endpoint, "--threads", "\(threads)", "--id", id,
                       "--parent-pid", "\(getpid())"] + extraArguments
        let logPath = "\(logsDirectory)/worker-\(i).log"
        if !FileManager.default.fileExists(atPath: logPath) { FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        p.standardOutput = log
        p.standardError = log
        p.standardInput = FileHandle.nullDevice
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_NUM_THREADS"] = "\(threads)"
        env["OMP_NUM_THREADS"] = "\(threads)"
        p.environment = env
        p.terminationHandler = { [weak self] dead in self?.exited(slot: i, process: dead) }
        try p.run()
        return p
    }

    private func exited(slot i: Int, process dead: Process) {
        lock.lock(); defer { lock.unlock() }
        guard !stopping, dead.terminationReason == .uncaughtSignal, restarts[i] < maxRestarts else { return }
        restarts[i] += 1
        let note = "[\(ISO8601DateFormatter().string(from: Date()))] pool: worker local-\(i) killed by signal \(dead.terminationStatus); restart \(restarts[i])\n"
        if let h = FileHandle(forWritingAtPath: "\(logsDirectory)/worker-\(i).log") { h.seekToEndOfFile(); h.write(Data(note.utf8)); try? h.close() }
        if let p = try? launch(slot: i) { processes[i] = p }
    }

    /// Waits briefly for workers that received SHUTDOWN, then terminates any left.
    func stop(grace: TimeInterval = 5) {
        let all: [Process] = lock.withLock { stopping = true; return processes }
        let deadline = Date().addingTimeInterval(grace)
        while all.contains(where: \.isRunning) && Date() < deadline { usleep(50_000) }
        for p in all where p.isRunning { p.terminate() }
        for p in all { p.waitUntilExit() }
    }

    var exitCodes: [Int32] { lock.withLock { processes.map { $0.isRunning ? -1 : $0.terminationStatus } } }

    /// Workers restarted after being killed, per slot.
    var restartCounts: [Int] { lock.withLock { restarts } }
}

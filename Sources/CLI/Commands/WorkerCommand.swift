import ArgumentParser
import Foundation
import Math
import Protocol
import Worker

/// `keyscope worker --connect ENDPOINT`: join a coordinator and compute units until told to stop.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "worker", abstract: "Join a running coordinator as a worker.")
    @Option(help: "Coordinator endpoint, e.g. tcp://10.0.0.1:20123 or ipc:///path/coordinator.sock.") var connect: String
    @Option(help: "BLAS threads (the run's plan pins the value used for computing units).") var threads = 1
    @Option(help: "Worker id (default: host-pid).") var id: String?
    @Option(help: "Exit when this process id is gone (set by `keyscope run` for its local workers).") var parentPid: Int32?
    @Option(help: "CURVE: the coordinator's public key file.") var curveServerKey: String?
    @Option(help: "CURVE: this worker's secret key file (from `keyscope curve-keygen`).") var curveKey: String?
    @Flag(help: "Print one line per event.") var verbose = false

    @OptionGroup var logging: LoggingFlags

    func run() throws {
        logging.apply()
        Compute.setThreads(threads)
        let host = ProcessInfo.processInfo.hostName
        var config = WorkerClientConfig(endpoint: connect, workerID: id ?? "\(host)-\(getpid())", keyscopeVersion: keyscopeVersion,
                                        cores: UInt32(ProcessInfo.processInfo.activeProcessorCount), threads: UInt32(threads),
                                        memoryBytes: ProcessInfo.processInfo.physicalMemory, capabilities: ["llava"],
                                        parentPID: parentPid)
        if curveServerKey != nil || curveKey != nil {
            guard let serverFile = curveServerKey, let keyFile = curveKey else {
                throw ValidationError("CURVE needs both --curve-server-key and --curve-key")
            }
            let serverKey = try CurveKeyFile.readPublic(path: serverFile)
            let pair = try CurveKeyFile.readSecret(path: keyFile)
            config.prepareSocket = { try $0.makeCurveClient(serverPublicKey: serverKey, keyPair: pair) }
        }
        let executor = StatisticsUnitExecutor { spec in
            try ModelKeyProvider.shared(modelPath: spec.modelPath, dataPath: spec.dataPath, maxLayer: spec.layers.max() ?? 0)
        }
        let verbose = verbose, workerID = config.workerID, endpoint = connect, curve = curveKey != nil
        // A CURVE mismatch looks exactly like a dead coordinator from here (libzmq drops the
        // handshake silently), so say once what to check, unless a unit already proved the link works.
        let everAssigned = LockedFlag(), hinted = LockedFlag()
        let client = WorkerClient(config: config, executor: executor) { e in
            if case .assigned = e { everAssigned.set() }
            if case .coordinatorLost = e, !everAssigned.value, hinted.setOnce() {
                Log.line("worker \(workerID): no answer from \(endpoint); check that the coordinator runs and is reachable"
                         + (curve ? ", that --curve-server-key is its public key and that our public key is on its allow-list"
                                  : ", and whether it requires CURVE (--curve-server-key, --curve-key)"))
            }
            switch e {
            case .failed, .malformed, .coordinatorLost, .exiting: Log.line("worker \(workerID): \(e)")
            default: if verbose { Log.line("worker \(workerID): \(e)") }
            }
        }
        SignalTrap.install { client.requestStop(announce: true) }
        let exit = try client.run()
        if case .rejected(let reason) = exit {
            Log.line("worker \(config.workerID): refused by the coordinator: \(reason)")
            throw ExitCode(3)
        }
    }
}

/// A flag set from the worker's network thread.
final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var isSet = false
    func set() { lock.withLock { isSet = true } }
    /// True for the first caller only.
    func setOnce() -> Bool { lock.withLock { defer { isSet = true }; return !isSet } }
    var value: Bool { lock.withLock { isSet } }
}


/// SIGINT/SIGTERM → one callback on a dispatch queue (the run stays resumable); a second signal exits at once.
enum SignalTrap {
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
    nonisolated(unsafe) private static var fired = false

    /// Replaces any earlier handler (a sweep installs one per run, and only the current run must stop).
    static func install(_ handler: @escaping @Sendable () -> Void) {
        for s in sources { s.cancel() }
        sources.removeAll()
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler {
                if fired { Foundation.exit(130) }
                fired = true
                handler()
            }
            s.resume()
            sources.append(s)
        }
    }
}

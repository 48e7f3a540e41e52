import Coordinator
import Foundation
import Math
import Protocol

/// One coordinator session over a run directory (fresh or resumed): binds, starts local workers,
/// drives both phases, writes the report. Ctrl-C/SIGTERM leave a resumable run (exit 130).
struct RunSession {
    var directory: RunDirectory
    var plan: RunPlan
    var resume: Bool
    var localWorkers: Int
    var cluster: ClusterConfig?
    var bind: String?
    var quiet: Bool
    var reporter: RunReporter

    /// Exit status: 0 ok, 4 finished with quarantined units, 130 interrupted.
    func execute() throws -> Int32 {
        let display = ProgressDisplay(quiet: quiet)
        // One coordinator per run directory: a second one would replace the first one's ipc socket.
        let runLock = try directory.acquireLock()
        defer { withExtendedLifetime(runLock) {} }
        let endpoint: String
        var prepare: (@Sendable (ZMQSocket) throws -> Void)?
        var authenticator: ZAPAuthenticator?
        let requested = bind ?? cluster.map { $0.coordinator.bind } ?? "ipc"
        if requested == "ipc" { endpoint = try directory.ipcEndpoint() } else { endpoint = requested }
        if let problem = BindAddress.localWorkersProblem(endpoint, localWorkers: localWorkers) { throw ValidationErrorText(problem) }
        var localWorkerArguments: [String] = []
        var localKeyFiles: [String] = []
        defer { for f in localKeyFiles { try? FileManager.default.removeItem(atPath: f) } }
        // ZeroMQ leaves the ipc socket file behind; we hold the run lock, so the file is ours to remove.
        let socketPath = directory.socketPath
        defer { if endpoint.hasPrefix("ipc://") { unlink(socketPath) } }
        if let curve = cluster?.curve {
            let pair = try CurveKeyFile.readSecret(path: curve.serverSecretKeyFile)
            var allowed = curve.allowedClientKeys
            if localWorkers > 0 {
                // Local workers must pass the same door: give them a throw-away key pair on the allow-list.
                let local = try LocalCurveKeys.write(in: directory.path, serverPublicKey: pair.publicKey)
                allowed.append(local.publicKey)
                localWorkerArguments = local.workerArguments
                localKeyFiles = local.files
            }
            let zap = try ZAPAuthenticator(context: .shared, allowedPublicKeys: allowed) { line in Log.line(line) }
            authenticator = zap
            prepare = { try $0.makeCurveServer(secretKey: pair.secretKey, authenticator: zap) }
        } else if endpoint.hasPrefix("tcp://") {
            var c = ClusterConfig(); c.coordinator.bind = endpoint
            if c.bindsNonLoopback && !endpoint.hasPrefix("tcp://[::1]:") {
                // Not through `display`: a security warning must survive --quiet.
                Log.warning("listening on \(endpoint) without CURVE: anyone who can reach it can join this run "
                         + "and read its data (set curve in cluster.json, see keyscope curve-keygen and docs/multinode.md)")
            }
        }
        var scheduler = SchedulerConfig()
        if let cluster { scheduler = SchedulerConfig(cluster: cluster) }
        var driverOptions = RunDriver.Options(endpoint: endpoint, scheduler: scheduler, prepareSocket: prepare)
        if let zap = authenticator { driverOptions.extraCounters = { ["zap_refused": zap.refusedCount] } }
        let driver = try RunDriver(directory: directory, plan: plan, resume: resume, options: driverOptions,
                                   onEvent: { display.handle($0) })
        defer { driver.close() }
        let path = directory.path
        SignalTrap.install {
            display.line("stopping: finished units are journaled; continue with `keyscope resume \(path)`")
            driver.interrupt()
            // Every finished unit is already durable in the journal (WAL, synchronous=FULL), so if the stop
            // lands in a merge or the report (which do not poll for it), exit anyway: resume redoes only that.
            DispatchQueue.global().asyncAfter(deadline: .now() + 5) { Foundation.exit(130) }
        }
        var pool: LocalWorkerPool?
        if localWorkers > 0 {
            // ipc endpoints exist once bound; workers retry with backoff, so starting them right away is fine.
            pool = try LocalWorkerPool(count: localWorkers, endpoint: endpoint, threads: plan.threads, logsDirectory: directory.logsPath,
                                   extraArguments: localWorkerArguments)
        } else {
            display.line("waiting for workers: keyscope worker --connect \(endpoint)")
        }
        let started = Date()
        let outcome: RunDriver.Outcome
        do {
            outcome = try driver.run()
        } catch {
            // E.g. a full disk: the journal is intact; stop the workers before the error is reported.
            pool?.stop()
            authenticator?.stop()
            throw error
        }
        pool?.stop()
        authenticator?.stop()
        if outcome.interrupted {
            display.line("interrupted; resume with: keyscope resume \(directory.path)")
            return 130
        }
        guard let analysis = outcome.analysis else { return 1 }
        display.phase("report: t-SNE maps and report.html")
        let t0 = Date()
        let timings = outcome.timings
        let reportURL = URL(fileURLWithPath: directory.path).appendingPathComponent("report")
        let info = RunReporter.RunInfo(timings: timings, workers: outcome.workersSeen, quarantined: outcome.quarantined,
                                       createdAt: ISO8601DateFormatter().string(from: started))
        let html = try reporter.write(plan: plan, analysis: analysis, info: info, to: reportURL, progress: { display.line($0) })
        display.line(String(format: "report written in %.1f s", Date().timeIntervalSince(t0)))
        summarize(analysis, html: html, quarantined: outcome.quarantined)
        return outcome.quarantined.isEmpty ? 0 : 4
    }

    private func summarize(_ a: RunAnalysis.Output, html: URL, quarantined: [QuarantinedUnit]) {
        for v in plan.variants {
            guard let r = a.reports[v] else { continue }
            print("\(v.rawValue)-RoPE keys: layer  inter-modal JSD  intra-image  intra-text  p")
            for l in r.layers {
                func f(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "—" }
                print(String(format: "  %5d  %15@  %11@  %10@  %@", l.layer, f(l.result.inter.weighted), f(l.result.intraImage.weighted),
                             f(l.result.intraText.weighted), f(l.result.bootstrap.pValue)))
            }
        }
        if let ex = a.reports.values.first?.run.excludedSamples, !ex.isEmpty { print("excluded samples: \(ex.count) (report/excluded_samples.csv)") }
        if !quarantined.isEmpty { print("quarantined units: \(quarantined.map(\.unitID)) — see keyscope status") }
        print("report: \(html.path)")
    }
}

/// A throw-away CURVE key pair for `--workers N` children of a CURVE coordinator, in the run
/// directory (0700; the secret file 0600). Made fresh by every session and removed when it ends.
enum LocalCurveKeys {
    struct Written { var publicKey: String; var workerArguments: [String]; var files: [String] }

    static func write(in runDirectory: String, serverPublicKey: String) throws -> Written {
        let base = runDirectory + "/local-worker-curve"
        let server = runDirectory + "/coordinator-curve.public"
        for p in [CurveKeyFile.secretPath(base: base), CurveKeyFile.publicPath(base: base), server] {
            try? FileManager.default.removeItem(atPath: p)
        }
        let pair = try ZMQCurve.keyPair()
        try CurveKeyFile.write(pair, base: base)
        let text = "# keyscope CURVE key (Z85): the coordinator's public key, for local workers.\npublic-key = \(serverPublicKey)\n"
        guard FileManager.default.createFile(atPath: server, contents: Data(text.utf8), attributes: [.posixPermissions: 0o644]) else {
            throw CurveKeyFileError.io(path: server, operation: "write", errno: errno, text: String(cString: strerror(errno)))
        }
        return Written(publicKey: pair.publicKey,
                       workerArguments: ["--curve-server-key", server, "--curve-key", CurveKeyFile.secretPath(base: base)],
                       files: [CurveKeyFile.secretPath(base: base), CurveKeyFile.publicPath(base: base), server])
    }
}

/// `--bind` values, checked before a run directory is made (a bad one would otherwise fail only at
/// the first bind, leaving a half-made run behind). Same forms as `coordinator.bind` in cluster.json.
enum BindAddress {
    static func problem(_ s: String) -> String? {
        if s == "ipc" || (s.hasPrefix("ipc://") && s.count > 6) { return nil }
        if s.hasPrefix("tcp://"), let colon = s.lastIndex(of: ":"), colon > s.index(s.startIndex, offsetBy: 6),
           let port = Int(s[s.index(after: colon)...]), (0...65535).contains(port) { return nil }
        if s.hasPrefix("tcp://"), s.hasSuffix(":*") { return nil }
        return "--bind must be ipc, ipc://PATH or tcp://HOST:PORT (e.g. tcp://10.0.0.1:20123), got \"\(s)\""
    }

    /// Local workers are started with the endpoint before the kernel would pick a port for `:0` / `:*`.
    static func localWorkersProblem(_ endpoint: String, localWorkers: Int) -> String? {
        guard localWorkers > 0, endpoint.hasPrefix("tcp://"), endpoint.hasSuffix(":0") || endpoint.hasSuffix(":*") else { return nil }
        return "\(endpoint): local workers need a fixed port (e.g. \(endpoint.dropLast(2)):20123), "
            + "or use --workers 0 and start `keyscope worker --connect` with the endpoint it prints"
    }
}

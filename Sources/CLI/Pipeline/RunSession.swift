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
        // ZeroMQ leaves the ipc socket file behind; we hold the run lock, so the file is ours to remove.
        let socketPath = directory.socketPath
        defer { if endpoint.hasPrefix("ipc://") { unlink(socketPath) } }
        if let curve = cluster?.curve {
            let pair = try CurveKeyFile.readSecret(path: curve.serverSecretKeyFile)
            let zap = try ZAPAuthenticator(context: .shared, allowedPublicKeys: curve.allowedClientKeys) { line in Log.line(line) }
            authenticator = zap
            prepare = { try $0.makeCurveServer(secretKey: pair.secretKey, authenticator: zap) }
        } else if endpoint.hasPrefix("tcp://") {
            var c = ClusterConfig(); c.coordinator.bind = endpoint
            if c.bindsNonLoopback {
                display.line("warning: listening on \(endpoint) without CURVE: anyone who can reach it can join this run (see keyscope curve-keygen)")
            }
        }
        var scheduler = SchedulerConfig()
        if let cluster { scheduler = SchedulerConfig(cluster: cluster) }
        let driver = try RunDriver(directory: directory, plan: plan, resume: resume,
                                   options: .init(endpoint: endpoint, scheduler: scheduler, prepareSocket: prepare),
                                   onEvent: { display.handle($0) })
        defer { driver.close() }
        let path = directory.path
        SignalTrap.install {
            display.line("stopping: finished units are journaled; continue with `keyscope resume \(path)`")
            driver.interrupt()
        }
        var pool: LocalWorkerPool?
        if localWorkers > 0 {
            // ipc endpoints exist once bound; workers retry with backoff, so starting them right away is fine.
            pool = try LocalWorkerPool(count: localWorkers, endpoint: endpoint, threads: plan.threads, logsDirectory: directory.logsPath)
        } else {
            display.line("waiting for workers: keyscope worker --connect \(endpoint)")
        }
        let started = Date()
        let outcome = try driver.run()
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

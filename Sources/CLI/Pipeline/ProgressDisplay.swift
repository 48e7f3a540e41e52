import Coordinator
import Foundation
import Logging

/// Progress of a run: a single rewritten line on a terminal, a plain line every 10 s otherwise, and with
/// `--log-format json` one JSON record per event (progress records every 10 s carry the counts as fields).
final class ProgressDisplay: @unchecked Sendable {
    private let quiet: Bool
    private let json: Bool
    private let isTTY: Bool
    private var lastPlain = Date.distantPast
    private let lock = NSLock()
    private var phase = ""
    private var failures = 0
    private var workers = 0

    init(quiet: Bool) {
        self.quiet = quiet
        json = Log.format == .json
        isTTY = !json && isatty(STDERR_FILENO) != 0
    }

    func phase(_ name: String) { lock.withLock { phase = name }; line("\(name)") }

    func handle(_ e: RunDriver.Event) {
        switch e {
        case .phaseStarted(let p, let n): phase(p == .calibration ? "phase 1/2: calibration (\(n) units)" : "phase 2/2: main pass (\(n) units)")
        case .merged(let p, let s): line(String(format: "%@ merged in %.1f s", p == .calibration ? "calibration" : "main pass", s))
        case .coordinator(let c):
            switch c {
            case .listening(let ep): line("coordinator listening on \(ep)")
            case .workerJoined(let w, _): lock.withLock { workers += 1 }; if !isTTY || quiet { line("worker \(w) joined") }
            case .workerLost(let w, let leases): line("worker \(w) lost; \(leases.count) unit(s) re-queued")
            case .unitFailed(let k, let m, _): lock.withLock { failures += 1 }; line("unit \(k.unitID) attempt \(k.attempt) failed: \(m)")
            case .quarantined(let u, let err): line("unit \(u) quarantined: \(err)")
            case .workerRejected(let v, let r): line("refused a worker speaking protocol v\(v): \(r)")
            case .progress(let p), .finished(let p): bar(p)
            default: break
            }
        }
    }

    private func bar(_ p: RunProgress) {
        guard !quiet else { return }
        let (ph, f, w) = lock.withLock { (phase, failures, workers) }
        let frac = p.total == 0 ? 1 : Double(p.done + p.quarantined) / Double(p.total)
        let eta = p.etaSeconds.map { String(format: "ETA %.0f s", $0) } ?? "ETA —"
        let text = String(format: "%@ %3.0f%% %d/%d units · %.2f units/s · %@ · %d workers · %d failures",
                          "[" + String(repeating: "#", count: Int(frac * 24)) + String(repeating: ".", count: 24 - Int(frac * 24)) + "]",
                          frac * 100, p.done, p.total, p.unitsPerSecond, eta, w, f)
        if json {
            guard Date().timeIntervalSince(lastPlain) >= 10 || p.finished else { return }
            lastPlain = Date()
            var meta: [String: Logging.Logger.MetadataValue] = [
                "phase": .string(ph), "done": .string("\(p.done)"), "total": .string("\(p.total)"),
                "quarantined": .string("\(p.quarantined)"), "units_per_s": .string(String(format: "%.3f", p.unitsPerSecond)),
                "workers": .string("\(w)"), "failures": .string("\(f)")]
            if let e = p.etaSeconds { meta["eta_s"] = .string(String(format: "%.0f", e)) }
            Log.line("progress", meta)
        } else if isTTY {
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(ph): \(text)".utf8))
        } else if Date().timeIntervalSince(lastPlain) >= 10 || p.finished {
            lastPlain = Date()
            FileHandle.standardError.write(Data("\(ph): \(text)\n".utf8))
        }
    }

    func line(_ s: String) {
        guard !quiet else { return }
        if json { Log.line(s); return }
        FileHandle.standardError.write(Data(((isTTY ? "\r\u{1B}[2K" : "") + s + "\n").utf8))
    }
}

// The human-readable form of `RunStatus` (`keyscope status RUN_DIR` without --json).

import Foundation

extension RunStatus {
    /// Lines for a terminal; at most `maxListed` failed units and workers are listed.
    public func text(runDirectory: String, maxListed: Int = 20) -> String {
        var o: [String] = []
        func f(_ v: Double?, _ unit: String) -> String { v.map { String(format: "%.3g %@", $0, unit) } ?? "—" }
        func ago(_ t: Double?) -> String {
            guard let t else { return "never" }
            let d = generatedUnix - t
            return d < 120 ? String(format: "%.1f s ago", d) : String(format: "%.0f min ago", d / 60)
        }
        o.append("run \(runID) — \(model)")
        o.append("  state: \(state) (\(stateDetail))")
        if state == "stopped" || state == "crashed" || state == "failed" {
            o.append("  continue with: keyscope resume \(runDirectory)")
        }
        o.append("  samples \(samples), layers \(layers), keys \(variants.joined(separator: "+")), coordinator sessions \(sessions)")
        for p in phases {
            var line = String(format: "  phase %@ %d/%d units, %d/%d samples", p.name == "main" ? "2 (main pass):  " : "1 (calibration):",
                              p.unitsDone, p.unitsTotal, p.samplesDone, p.samplesTotal)
            if p.unitsLeased > 0 { line += ", \(p.unitsLeased) running" }
            if p.unitsQuarantined > 0 { line += ", \(p.unitsQuarantined) quarantined" }
            o.append(line)
        }
        o.append("  rate: \(f(rates.unitsPerSecond, "units/s")), \(f(rates.samplesPerSecond, "samples/s")) over "
                 + String(format: "%.1f s", rates.activeSeconds) + " active; last "
                 + String(format: "%.0f s", rates.recentWindowSeconds)
                 + ": \(f(rates.recentUnitsPerSecond, "units/s")), \(f(rates.recentSamplesPerSecond, "samples/s"))")
        if let eta = etaSeconds {
            o.append(String(format: "  ETA: %.0f s for %d remaining units (recent rate; merges and report not included)",
                            eta, unitsTotal - unitsDone - quarantined.count))
        } else if !isFinished {
            o.append("  ETA: — (no finished unit to estimate from yet)")
        }
        if !activityRecorded { o.append("  workers, rates and counters: not recorded (journal written by an older keyscope)") }
        let connected = workers.filter(\.connected).count
        o.append("  workers: \(connected) connected, \(workers.count) seen")
        let idWidth = workers.prefix(maxListed).map(\.id.count).max() ?? 0
        for w in workers.prefix(maxListed) {
            var line = "    \(w.id.padding(toLength: idWidth, withPad: " ", startingAt: 0))  \(w.connected ? "connected" : "gone     ")  last seen \(ago(w.lastSeenUnix))  units done \(w.unitsDone)"
            line += "  joins \(w.joins)"
            if w.lost > 0 { line += "  lost \(w.lost)" }
            o.append(line)
        }
        if workers.count > maxListed { o.append("    … \(workers.count - maxListed) more (see --json)") }
        o.append("  failures: \(failures.failedAttempts) failed attempts, \(failures.retries) retries, "
                 + "\(failures.leasesExpired) leases expired, \(failures.workersLost) workers lost")
        for u in failures.units.prefix(maxListed) {
            o.append("    unit \(u.unit) (phase \(u.phase), \(u.state), \(u.attempts) attempts): \(u.lastError)")
        }
        o.append("  quarantined: \(quarantined.count)")
        for u in quarantined.prefix(maxListed) {
            o.append("    unit \(u.unit) (phase \(u.phase), \(u.attempts) attempts, \(u.failures) failures): \(u.lastError)")
        }
        let g = garbage
        var gl = "  garbage: \(g.malformedFrames) malformed frames, \(g.oversizedFrames) oversized, "
            + "\(g.oldProtocolHellosRejected) old-protocol HELLOs rejected, \(g.unknownPeers) from unknown peers"
        if !g.byReason.isEmpty { gl += " (" + g.byReason.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")" }
        o.append(gl)
        o.append(report.map { "  report: \($0)" } ?? "  report: not written yet")
        return o.joined(separator: "\n")
    }
}

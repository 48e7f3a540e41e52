// `keyscope status` for one run: everything is derived from plan.json and the journal (read-only,
// beside a live coordinator or after it ended), so status never needs the coordinator to answer.

import Foundation
import Protocol

/// A snapshot of one run's progress, rates, workers, failures and garbage counters. Encodes as the
/// `--json` output (snake_case keys).
public struct RunStatus: Codable, Sendable, Equatable {
    public struct Phase: Codable, Sendable, Equatable {
        public var name: String
        public var unitsDone: Int
        /// Planned units (phase 2 is planned before it is journaled, so this is known from the start).
        public var unitsTotal: Int
        public var unitsLeased: Int
        public var unitsQuarantined: Int
        public var samplesDone: Int
        public var samplesTotal: Int
    }
    public struct Rates: Codable, Sendable, Equatable {
        /// Seconds a coordinator was running, summed over sessions (downtime between them excluded).
        public var activeSeconds: Double
        public var unitsPerSecond: Double?
        public var samplesPerSecond: Double?
        public var recentWindowSeconds: Double
        public var recentUnitsPerSecond: Double?
        public var recentSamplesPerSecond: Double?
    }
    public struct Worker: Codable, Sendable, Equatable {
        public var id: String
        public var connected: Bool
        public var lastSeenUnix: Double?
        public var unitsDone: Int
        public var joins: Int
        public var leaves: Int
        public var lost: Int
    }
    public struct FailedUnit: Codable, Sendable, Equatable {
        public var unit: Int
        public var phase: Int
        public var state: String
        public var attempts: Int
        public var failures: Int
        public var lastError: String
    }
    public struct Failures: Codable, Sendable, Equatable {
        /// Attempts that ended in an error, a lost worker or an expired lease.
        public var failedAttempts: Int
        /// Leases beyond each unit's first.
        public var retries: Int
        public var leasesExpired: Int
        public var workersLost: Int
        public var units: [FailedUnit]
    }
    public struct Garbage: Codable, Sendable, Equatable {
        /// Undecodable or protocol-breaking messages, oversized ones excluded.
        public var malformedFrames: Int
        /// Messages over a size, count or frame limit (`malformed.limit` + `malformed.frames`).
        public var oversizedFrames: Int
        public var oldProtocolHellosRejected: Int
        /// Messages from peers that never said HELLO, plus connections the CURVE allow-list refused.
        public var unknownPeers: Int
        public var byReason: [String: Int]
    }

    public var runID: String
    public var model: String
    public var samples: Int
    public var layers: [Int]
    public var variants: [String]
    /// `running`, `finished`, `finished-with-quarantine`, `stopped`, `failed`, `crashed`, `not-started`, `unknown`.
    public var state: String
    public var stateDetail: String
    public var phases: [Phase]
    public var unitsDone: Int
    public var unitsTotal: Int
    public var rates: Rates
    public var etaSeconds: Double?
    public var sessions: Int
    public var activityRecorded: Bool
    public var workers: [Worker]
    public var failures: Failures
    public var quarantined: [FailedUnit]
    public var garbage: Garbage
    public var counters: [String: Int]
    public var report: String?
    public var generatedUnix: Double

    public var isFinished: Bool { state == "finished" || state == "finished-with-quarantine" }

    /// A coordinator whose last flush is older than this is taken for dead (it flushes every 2 s).
    public static let liveSeconds = 10.0
    public static let recentWindow = 60.0

    /// Reads `dir` (plan.json and the journal, read-only). With `probeLock`, whether a coordinator
    /// is live comes from the run lock (exact, e.g. right after a kill -9); without, from how recent
    /// its last flush is.
    public static func load(_ dir: RunDirectory, now: Double = Date().timeIntervalSince1970, probeLock: Bool = true) throws -> RunStatus {
        let plan = try RunPlan.load(URL(fileURLWithPath: dir.planPath))
        let journal = try RunJournal.open(at: dir.journalPath, mode: .readOnly)
        defer { journal.close() }
        let records = try journal.loadRecords()
        let activity = try journal.activity()
        let report = dir.reportPath + "/report.html"
        return make(plan: plan, records: records, activity: activity,
                    report: FileManager.default.fileExists(atPath: report) ? report : nil, now: now,
                    lockHeld: probeLock ? dir.isLockHeld() : nil)
    }

    static func make(plan: RunPlan, records: [UnitRecord], activity a: JournalActivity, report: String?, now: Double,
                     lockHeld: Bool? = nil) -> RunStatus {
        var samplesOf: [Int: Int] = [:]
        for r in records { samplesOf[r.unit.id] = (try? RunUnitSpec.decode(r.unit.spec))?.sampleIDs.count ?? 0 }
        func phase(_ number: Int, _ name: String, plannedUnits: Int, plannedSamples: Int) -> Phase {
            let rs = records.filter { $0.unit.phase == number }
            let done = rs.filter { $0.state == .done }
            return Phase(name: name, unitsDone: done.count, unitsTotal: max(plannedUnits, rs.count),
                         unitsLeased: rs.filter { $0.state == .leased }.count,
                         unitsQuarantined: rs.filter { $0.state == .quarantined }.count,
                         samplesDone: done.reduce(0) { $0 + (samplesOf[$1.unit.id] ?? 0) },
                         samplesTotal: rs.isEmpty ? plannedSamples : rs.reduce(0) { $0 + (samplesOf[$1.unit.id] ?? 0) })
        }
        let phases = [phase(1, "calibration", plannedUnits: plan.calibrationUnitCount, plannedSamples: plan.calibrationSampleIDs.count),
                      phase(2, "main", plannedUnits: plan.mainUnitCount, plannedSamples: plan.sampleIDs.count)]
        let unitsDone = phases.reduce(0) { $0 + $1.unitsDone }
        let unitsTotal = phases.reduce(0) { $0 + $1.unitsTotal }
        let terminal = phases.reduce(0) { $0 + $1.unitsDone + $1.unitsQuarantined }

        // Rates from the completion times; active time from the sessions.
        let last = a.sessions.last
        let live = last.map { $0.endedUnix == nil && (lockHeld ?? (now - $0.lastSeenUnix < liveSeconds)) } ?? false
        let active = a.sessions.reduce(0.0) { sum, s in
            let end = s.endedUnix ?? (s.id == last?.id && live ? now : s.lastSeenUnix)
            return sum + max(0, end - s.startedUnix)
        }
        let completedSamples = a.completions.reduce(0) { $0 + (samplesOf[$1.unitID] ?? 0) }
        let windowEnd = live ? now : (a.completions.last?.atUnix ?? now)
        let windowStart = max(windowEnd - recentWindow, last?.startedUnix ?? windowEnd)
        let window = windowEnd - windowStart
        let recent = a.completions.filter { $0.atUnix > windowStart && $0.atUnix <= windowEnd }
        func rate(_ n: Int, _ t: Double) -> Double? { t > 0.5 ? Double(n) / t : nil }
        let rates = Rates(activeSeconds: active, unitsPerSecond: rate(a.completions.count, active),
                          samplesPerSecond: rate(completedSamples, active), recentWindowSeconds: window,
                          recentUnitsPerSecond: rate(recent.count, window),
                          recentSamplesPerSecond: rate(recent.reduce(0) { $0 + (samplesOf[$1.unitID] ?? 0) }, window))
        let remaining = unitsTotal - terminal
        var eta: Double? = nil
        if remaining > 0, let r = (rates.recentUnitsPerSecond ?? 0) > 0 ? rates.recentUnitsPerSecond : rates.unitsPerSecond, r > 0 {
            eta = Double(remaining) / r
        }

        // Workers: the journal's table plus whoever finished units (ids only, for older sessions).
        var doneBy: [String: Int] = [:]
        for c in a.completions { if let w = c.worker { doneBy[w, default: 0] += 1 } }
        var lostBy: [String: Int] = [:]
        for e in a.events where e.kind == .lost { lostBy[e.worker, default: 0] += 1 }
        var workers = a.workers.map {
            Worker(id: $0.worker, connected: $0.connected && live, lastSeenUnix: $0.lastSeenUnix, unitsDone: doneBy[$0.worker] ?? 0,
                   joins: $0.joins, leaves: $0.leaves, lost: lostBy[$0.worker] ?? 0)
        }
        for (w, n) in doneBy where !a.workers.contains(where: { $0.worker == w }) {
            workers.append(Worker(id: w, connected: false, lastSeenUnix: nil, unitsDone: n, joins: 0, leaves: 0, lost: 0))
        }
        workers.sort { $0.id < $1.id }

        func failed(_ r: UnitRecord) -> FailedUnit {
            FailedUnit(unit: r.unit.id, phase: r.unit.phase, state: r.state.rawValue, attempts: r.attempts, failures: r.failures,
                       lastError: r.lastError ?? "")
        }
        let c = a.counters
        let failures = Failures(failedAttempts: records.reduce(0) { $0 + $1.failures },
                                retries: records.reduce(0) { $0 + max(0, $1.attempts - 1) },
                                leasesExpired: c["leases_expired"] ?? 0, workersLost: c["workers_lost"] ?? 0,
                                units: records.filter { $0.failures > 0 && $0.state != .quarantined }.map(failed))
        var byReason: [String: Int] = [:]
        for (k, v) in c where k.hasPrefix("malformed.") { byReason[String(k.dropFirst("malformed.".count))] = v }
        let oversized = (byReason["limit"] ?? 0) + (byReason["frames"] ?? 0)
        let garbage = Garbage(malformedFrames: (c["malformed"] ?? 0) - oversized, oversizedFrames: oversized,
                              oldProtocolHellosRejected: c["rejected_version"] ?? 0,
                              unknownPeers: (c["unknown_peer_messages"] ?? 0) + (c["zap_refused"] ?? 0), byReason: byReason)

        // State.
        let quarantined = records.filter { $0.state == .quarantined }
        let allTerminal = terminal == unitsTotal && records.count == unitsTotal
        var state: String, detail: String
        if allTerminal && report != nil {
            state = quarantined.isEmpty ? "finished" : "finished-with-quarantine"
            detail = quarantined.isEmpty ? "all \(unitsTotal) units done" : "\(quarantined.count) units quarantined"
        } else if live, let last {
            state = "running"; detail = "coordinator pid \(last.pid), last flush \(String(format: "%.1f", now - last.lastSeenUnix)) s ago"
        } else if let last, let reason = last.endReason {
            if reason.hasPrefix("error") { state = "failed"; detail = String(reason.dropFirst("error: ".count)) }
            else { state = "stopped"; detail = allTerminal ? "every unit is terminal, report not written" : "stopped before the end" }
        } else if let last {
            state = "crashed"
            detail = "coordinator pid \(last.pid) last heard \(String(format: "%.0f", now - last.lastSeenUnix)) s ago without ending its session"
        } else if a.recorded {
            state = "not-started"; detail = "no coordinator has run"
        } else {
            state = allTerminal ? "stopped" : "unknown"
            detail = "journal predates activity records (no sessions, workers or counters)"
        }
        return RunStatus(runID: plan.runID, model: plan.modelDescription.isEmpty ? plan.modelPath : plan.modelDescription,
                         samples: plan.sampleIDs.count, layers: plan.layers, variants: plan.variants.map(\.rawValue),
                         state: state, stateDetail: detail, phases: phases, unitsDone: unitsDone, unitsTotal: unitsTotal,
                         rates: rates, etaSeconds: eta, sessions: a.sessions.count, activityRecorded: a.recorded,
                         workers: workers, failures: failures, quarantined: quarantined.map(failed), garbage: garbage,
                         counters: c, report: report, generatedUnix: now)
    }

    public func jsonData() throws -> Data {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try e.encode(self)
    }
}

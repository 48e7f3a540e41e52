// The on-disk layout of one sweep:
//
//   <out>/<sweep-name>/     mode 0700
//     sweep.json            the normalised definition the sweep was started with (compared on re-run)
//     runs/<run-id>/        one ordinary run directory per grid point (RunDirectory)
//     index.html            runs side by side (SweepIndexWriter)
//     lock                  flock'd by the `keyscope sweep` process driving it

import Foundation

public enum SweepError: Error, Sendable, Equatable, CustomStringConvertible {
    case definitionChanged(path: String, changes: [String])
    case notASweep(path: String, reason: String)
    case io(path: String, reason: String)
    case locked(path: String)

    public var description: String {
        switch self {
        case let .definitionChanged(path, changes):
            "sweep \(path) was started with another definition; changed:\n  " + changes.joined(separator: "\n  ")
                + "\nrerun with --update to accept the change (new grid points get new runs; finished runs of points "
                + "still in the grid are kept; runs of removed points stay on disk but leave index.html), "
                + "or choose another --out or sweep name"
        case let .notASweep(path, reason): "\(path) is not a keyscope sweep directory: \(reason)"
        case let .io(path, reason): "sweep \(path): \(reason)"
        case let .locked(path): "sweep \(path) is being run by another keyscope sweep process (lock held)"
        }
    }
}

public struct SweepDirectory: Sendable, Hashable {
    public let path: String
    public var definitionPath: String { path + "/sweep.json" }
    public var runsPath: String { path + "/runs" }
    public var indexPath: String { path + "/index.html" }
    public var lockPath: String { path + "/lock" }

    public func runPath(_ runID: String) -> String { runsPath + "/" + runID }

    /// True when `path` holds a frozen sweep definition and a runs folder.
    public static func isSweep(_ path: String) -> Bool {
        let p = URL(fileURLWithPath: path).standardizedFileURL.path
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: p + "/sweep.json")
            && FileManager.default.fileExists(atPath: p + "/runs", isDirectory: &isDir) && isDir.boolValue
    }

    public static func open(_ path: String) throws(SweepError) -> SweepDirectory {
        let p = URL(fileURLWithPath: path).standardizedFileURL.path
        guard isSweep(p) else { throw .notASweep(path: p, reason: "no sweep.json and runs/") }
        return SweepDirectory(path: p)
    }

    /// Creates `<root>/<name>` for `definition`, or reopens it. A definition that differs from the
    /// frozen one is refused with the list of changes, unless `acceptChanges` (then it is re-frozen).
    /// Returns the changes that were accepted.
    /// With `persist: false` (a dry run) nothing is created or re-frozen.
    public static func prepare(root: String, definition: SweepDefinition, acceptChanges: Bool,
                               persist: Bool = true) throws(SweepError) -> (SweepDirectory, accepted: [String]) {
        let p = URL(fileURLWithPath: root).standardizedFileURL.path + "/" + definition.name
        let dir = SweepDirectory(path: p)
        var accepted: [String] = []
        if FileManager.default.fileExists(atPath: dir.definitionPath) {
            let old = try dir.frozenDefinition()
            let changes = definition.changes(since: old)
            if !changes.isEmpty {
                guard acceptChanges else { throw .definitionChanged(path: p, changes: changes) }
                accepted = changes
            }
        }
        guard persist else { return (dir, accepted) }
        do {
            try FileManager.default.createDirectory(atPath: dir.runsPath, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            if accepted.count > 0 || !FileManager.default.fileExists(atPath: dir.definitionPath) {
                try definition.jsonData().write(to: URL(fileURLWithPath: dir.definitionPath), options: .atomic)
            }
        } catch {
            throw .io(path: p, reason: "cannot create the sweep directory: \(error.localizedDescription)")
        }
        return (dir, accepted)
    }

    public func frozenDefinition() throws(SweepError) -> SweepDefinition {
        do {
            return try SweepDefinition.decodeFrozen(Data(contentsOf: URL(fileURLWithPath: definitionPath)))
        } catch {
            throw .notASweep(path: path, reason: "sweep.json is unreadable (\(error))")
        }
    }

    /// One sweep process at a time per directory; released when the lock object goes away.
    public func acquireLock() throws(SweepError) -> RunLock {
        let fd = Foundation.open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io(path: lockPath, reason: "open failed: \(String(cString: strerror(errno)))") }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            let e = errno
            Foundation.close(fd)
            if e == EWOULDBLOCK { throw .locked(path: path) }
            throw .io(path: lockPath, reason: "flock failed: \(String(cString: strerror(e)))")
        }
        return RunLock(fd: fd)
    }

    /// The state of every run of the frozen grid, in grid order, then runs on disk the grid no longer holds.
    public func statuses(now: Double = Date().timeIntervalSince1970) throws(SweepError) -> SweepStatus {
        let def = try frozenDefinition()
        var entries: [SweepStatus.Entry] = []
        var listed = Set<String>()
        func entry(_ id: String, _ label: String, inGrid: Bool) -> SweepStatus.Entry {
            let runPath = runPath(id)
            var e = SweepStatus.Entry(runID: id, label: label, inGrid: inGrid, state: "pending", unitsDone: 0, unitsTotal: 0,
                                      detail: "not started", runDirectory: runPath, report: nil)
            guard FileManager.default.fileExists(atPath: runPath + "/journal.sqlite") else { return e }
            do {
                let s = try RunStatus.load(try RunDirectory.open(runPath), now: now)
                e.state = s.state; e.unitsDone = s.unitsDone; e.unitsTotal = s.unitsTotal; e.detail = s.stateDetail
                e.report = s.report
                if let r = s.rates.recentSamplesPerSecond ?? s.rates.samplesPerSecond, s.state == "running" {
                    e.detail += String(format: ", %.2f samples/s", r)
                }
                if let eta = s.etaSeconds, s.state == "running" { e.detail += String(format: ", ETA %.0f s", eta) }
            } catch {
                e.state = "unreadable"; e.detail = "\(error)"
            }
            return e
        }
        for p in def.points {
            let id = def.runID(for: p)
            listed.insert(id)
            entries.append(entry(id, p.label, inGrid: true))
        }
        let onDisk = ((try? FileManager.default.contentsOfDirectory(atPath: runsPath)) ?? []).sorted()
        for id in onDisk where !listed.contains(id) {
            entries.append(entry(id, "(not in the current grid)", inGrid: false))
        }
        return SweepStatus(name: def.name, directory: path, runs: entries)
    }
}

/// `keyscope status SWEEP_DIR`: one entry per run.
public struct SweepStatus: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var runID: String
        public var label: String
        public var inGrid: Bool
        public var state: String
        public var unitsDone: Int
        public var unitsTotal: Int
        public var detail: String
        public var runDirectory: String
        public var report: String?
    }
    public var name: String
    public var directory: String
    public var runs: [Entry]

    public var finishedCount: Int { runs.filter { $0.inGrid && ($0.state == "finished" || $0.state == "finished-with-quarantine") }.count }

    public func text() -> String {
        var o = ["sweep \(name): \(finishedCount)/\(runs.filter(\.inGrid).count) runs finished — \(directory)"]
        let w = max(6, runs.map(\.runID.count).max() ?? 6)
        for r in runs {
            let id = r.runID.padding(toLength: w, withPad: " ", startingAt: 0)
            let state = r.state.padding(toLength: 24, withPad: " ", startingAt: 0)
            let progress = "\(r.unitsDone)/\(r.unitsTotal) units".padding(toLength: 14, withPad: " ", startingAt: 0)
            o.append("  \(id)  \(state)  \(progress)  \(r.label) — \(r.detail)")
        }
        return o.joined(separator: "\n")
    }

    public func jsonData() throws -> Data {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try e.encode(self)
    }
}

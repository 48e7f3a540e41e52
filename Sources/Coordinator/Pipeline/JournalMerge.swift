import Foundation
import Math
import Protocol

/// Merges a finished run's journaled results (both phases, canonical order) without a server.
public enum JournalMerge {
    public struct Merged: Sendable {
        public var calibrations: [String: Calibration]
        public var main: [String: MainPassAccumulator]
        public var excluded: [ExcludedSample]
    }

    public static func merge(journal: RunJournal, plan: RunPlan) throws -> Merged {
        var p1 = PhaseMerger()
        try journal.forEachResult { r in
            guard r.unit.phase == 1 else { return }
            try p1.add(unitID: r.unit.id, outcome: try UnitOutcome(decoding: r.blob, what: "unit \(r.unit.id) result"), phase: .calibration)
        }
        let calibrations = try p1.finalizeCalibration(options: plan.statistics)
        var p2 = PhaseMerger(calibrations: calibrations)
        try journal.forEachResult { r in
            guard r.unit.phase == 2 else { return }
            try p2.add(unitID: r.unit.id, outcome: try UnitOutcome(decoding: r.blob, what: "unit \(r.unit.id) result"), phase: .main)
        }
        let quarantined = try journal.status().quarantined
        guard p2.units + quarantined >= plan.mainUnitCount, p2.units > 0 else {
            throw MergeError.unknownEntry("the run is not finished: \(p2.units) of \(plan.mainUnitCount) main-pass units are done; use keyscope resume")
        }
        return Merged(calibrations: calibrations, main: p2.mainAccumulators, excluded: p2.excluded)
    }
}

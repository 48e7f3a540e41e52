import Coordinator
import Foundation
import Math
import Protocol
import Worker

/// Runs a plan's two phases in this process, unit by unit, through exactly the code paths the
/// distributed run uses (executor → encoded outcome → canonical merge → analysis). Used by tests as the
/// reference the distributed runs must equal byte for byte, and by `keyscope analyze`-style offline runs.
public struct InProcessRun {
    public let plan: RunPlan
    public let executor: StatisticsUnitExecutor
    public let workDirectory: URL

    public init(plan: RunPlan, executor: StatisticsUnitExecutor, workDirectory: URL) {
        self.plan = plan; self.executor = executor; self.workDirectory = workDirectory
    }

    public func run() throws -> RunAnalysis.Output {
        var p1 = PhaseMerger()
        for spec in plan.calibrationUnits() {
            let outcome = try UnitOutcome(decoding: try executor.execute(spec).encoded(), what: "unit \(spec.unitID)")
            try p1.add(unitID: spec.unitID, outcome: outcome, phase: .calibration)
        }
        let calibrations = try p1.finalizeCalibration(options: plan.statistics)
        let calURL = workDirectory.appendingPathComponent("calibration.bin")
        let fp = try CalibrationFile.write(calibrations, to: calURL)
        var p2 = PhaseMerger(calibrations: calibrations)
        for spec in plan.mainUnits(calibrationPath: calURL.path, fingerprint: fp) {
            let outcome = try UnitOutcome(decoding: try executor.execute(spec).encoded(), what: "unit \(spec.unitID)")
            try p2.add(unitID: spec.unitID, outcome: outcome, phase: .main)
        }
        return try RunAnalysis.analyze(plan: plan, merged: p2.mainAccumulators, excluded: p2.excluded)
    }
}

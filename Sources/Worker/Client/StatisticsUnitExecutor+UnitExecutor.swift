// Plugs the statistics executor (Worker/Execution) into WorkerClient: spec bytes are a
// RunUnitSpec, the result blob is the encoded UnitOutcome.

import Protocol

extension StatisticsUnitExecutor: UnitExecutor {
    /// A spec that does not decode, or whose phase disagrees with the ASSIGN, is the plan's fault:
    /// it is reported non-retryable so the unit is quarantined at once instead of failing 3 times.
    public func execute(spec: [UInt8], phase: Int) throws -> [UInt8] {
        let unit: RunUnitSpec
        do { unit = try RunUnitSpec.decode(spec) } catch {
            throw UnitExecutionError("\(error)", retryable: false)
        }
        let expected = unit.phase == .calibration ? UnitPhase.calibration : UnitPhase.main
        guard Int(expected.rawValue) == phase else {
            throw UnitExecutionError("unit \(unit.unitID): spec phase \(unit.phase) but ASSIGN phase \(phase)", retryable: false)
        }
        return try execute(unit).encoded()
    }
}

// Units from the plan's RunUnitSpecs (Protocol/Run), so the server carries exactly what the
// statistics executor decodes.

import Protocol

extension WorkUnit {
    /// id = `spec.unitID`, phase = `UnitPhase` raw value (1 calibration, 2 main), spec = JSON bytes.
    public init(_ spec: RunUnitSpec) {
        let phase = spec.phase == .calibration ? UnitPhase.calibration : UnitPhase.main
        self.init(id: spec.unitID, phase: Int(phase.rawValue), spec: spec.encoded())
    }
}

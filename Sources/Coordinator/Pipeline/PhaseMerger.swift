import Foundation
import Math
import Protocol

/// Merges unit outcomes of one phase in canonical (ascending unit id) order.
///
/// The accumulators' merges are exact integer additions, so the order does not change a bit; merging in
/// id order anyway keeps the result independent of arrival order by construction, not by argument.
public struct PhaseMerger {
    public private(set) var excluded: [ExcludedSample] = []
    public private(set) var tokens = 0
    public private(set) var units = 0
    private var calibration: [String: CalibrationAccumulator] = [:]
    private var main: [String: MainPassAccumulator] = [:]
    private let calibrations: [String: Calibration]
    private var lastUnit = -1

    /// `calibrations` is empty for phase 1 and the finalized calibration for phase 2.
    public init(calibrations: [String: Calibration] = [:]) { self.calibrations = calibrations }

    /// Adds one unit's outcome; units must come in ascending id order.
    public mutating func add(unitID: Int, outcome: UnitOutcome, phase: RunUnitSpec.Phase) throws {
        precondition(unitID > lastUnit, "PhaseMerger: units must be added in ascending id order")
        lastUnit = unitID
        units += 1
        tokens += outcome.tokens
        excluded.append(contentsOf: outcome.excluded)
        for name in outcome.accumulators.keys.sorted() {
            let bytes = outcome.accumulators[name]!
            switch phase {
            case .calibration:
                let acc = try CalibrationAccumulator(serialized: bytes)
                if calibration[name] == nil { calibration[name] = acc } else { try calibration[name]!.merge(acc) }
            case .main:
                guard let cal = calibrations[name] else {
                    throw MergeError.unknownEntry("unit \(unitID): result entry \(name) has no calibration")
                }
                let acc = try MainPassAccumulator(serialized: bytes, calibration: cal)
                if main[name] == nil { main[name] = acc } else { try main[name]!.merge(acc) }
            }
        }
    }

    /// Phase 1 → calibration per entry.
    public func finalizeCalibration(options: StatisticsOptions) throws -> [String: Calibration] {
        var out: [String: Calibration] = [:]
        for (name, acc) in calibration { out[name] = try acc.finalize(options: options) }
        return out
    }

    /// Phase 2 → merged main-pass accumulators per entry.
    public var mainAccumulators: [String: MainPassAccumulator] { main }
}

public enum MergeError: Error, CustomStringConvertible {
    case unknownEntry(String)
    public var description: String { switch self { case .unknownEntry(let m): return m } }
}

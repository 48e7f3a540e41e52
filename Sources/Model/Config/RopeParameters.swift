import Foundation
import Math

/// `rope_parameters` (transformers 5) or legacy `rope_scaling` of a Llama `text_config`.
public struct RopeParameters: Codable, Sendable, Equatable {
    public var ropeType: String
    public var ropeTheta: Double?
    public var factor: Double?
    public var lowFreqFactor: Double?
    public var highFreqFactor: Double?
    public var originalMaxPositionEmbeddings: Int?

    enum CodingKeys: String, CodingKey {
        case ropeType = "rope_type", type, ropeTheta = "rope_theta", factor
        case lowFreqFactor = "low_freq_factor", highFreqFactor = "high_freq_factor"
        case originalMaxPositionEmbeddings = "original_max_position_embeddings"
    }

    public init(ropeType: String = "default", ropeTheta: Double? = nil, factor: Double? = nil,
                lowFreqFactor: Double? = nil, highFreqFactor: Double? = nil, originalMaxPositionEmbeddings: Int? = nil) {
        self.ropeType = ropeType; self.ropeTheta = ropeTheta; self.factor = factor
        self.lowFreqFactor = lowFreqFactor; self.highFreqFactor = highFreqFactor
        self.originalMaxPositionEmbeddings = originalMaxPositionEmbeddings
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // transformers: `rope_type`, else the legacy `type`, else "default".
        ropeType = try c.decodeIfPresent(String.self, forKey: .ropeType)
            ?? c.decodeIfPresent(String.self, forKey: .type) ?? "default"
        ropeTheta = try c.decodeIfPresent(Double.self, forKey: .ropeTheta)
        factor = try c.decodeIfPresent(Double.self, forKey: .factor)
        lowFreqFactor = try c.decodeIfPresent(Double.self, forKey: .lowFreqFactor)
        highFreqFactor = try c.decodeIfPresent(Double.self, forKey: .highFreqFactor)
        originalMaxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .originalMaxPositionEmbeddings)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ropeType, forKey: .ropeType)
        try c.encodeIfPresent(ropeTheta, forKey: .ropeTheta)
        try c.encodeIfPresent(factor, forKey: .factor)
        try c.encodeIfPresent(lowFreqFactor, forKey: .lowFreqFactor)
        try c.encodeIfPresent(highFreqFactor, forKey: .highFreqFactor)
        try c.encodeIfPresent(originalMaxPositionEmbeddings, forKey: .originalMaxPositionEmbeddings)
    }

    /// The Math-level scaling; `path` names the key in errors (`text_config.rope_parameters`).
    public func scaling(maxPositionEmbeddings: Int, file: String, path: String) throws -> RopeScaling {
        func need(_ v: Double?, _ key: String) throws -> Double {
            guard let v else { throw ConfigError.missingKey(file: file, path: "\(path).\(key)") }
            return v
        }
        switch ropeType {
        case "default": return .none
        case "linear": return .linear(factor: try need(factor, "factor"))
        case "dynamic": return .dynamic(factor: try need(factor, "factor"), maxPositionEmbeddings: maxPositionEmbeddings)
        case "llama3":
            return .llama3(factor: try need(factor, "factor"), lowFreqFactor: try need(lowFreqFactor, "low_freq_factor"),
                           highFreqFactor: try need(highFreqFactor, "high_freq_factor"),
                           originalMaxPositionEmbeddings: originalMaxPositionEmbeddings ?? maxPositionEmbeddings)
        default:
            throw ConfigError.invalidValue(file: file, path: "\(path).rope_type", value: "\"\(ropeType)\"")
        }
    }
}

/// Which keys a tap captures (DESIGN §3): the `k_proj` output before rotary embedding (TransformerLens
/// `hook_k`) or after it (`hook_rot_k`, what the attention actually compares against queries).
public enum RopeVariant: String, Codable, Sendable, CaseIterable, Comparable {
    case pre
    case post

    public static func < (a: RopeVariant, b: RopeVariant) -> Bool { a == .pre && b == .post }

    /// Directory name under `report/`.
    public var directoryName: String { "\(rawValue)_rope" }
}

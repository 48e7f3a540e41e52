/// Bounds the decoder checks *before* allocating anything, so a hostile or corrupt message costs at
/// most its own (already received) size. Both sides should use the same limits; the sender checks
/// them too, so an oversize message fails where it is made rather than being dropped by the peer.
public struct ProtocolLimits: Sendable, Equatable {
    /// Sum of all frame sizes of one message.
    public var maxMessageBytes: Int
    /// Frames per message (header + payload + bulk frames).
    public var maxFrames: Int
    /// UTF-8 bytes of one string field.
    public var maxStringBytes: Int
    /// Elements of one array field (sample ids, layers, capabilities, shape dims, ...).
    public var maxArrayCount: Int
    /// Bytes of one blob: the ASSIGN spec, an options blob, a RESULT blob, one tensor frame.
    public var maxBlobBytes: Int

    public init(maxMessageBytes: Int, maxFrames: Int, maxStringBytes: Int, maxArrayCount: Int, maxBlobBytes: Int) {
        self.maxMessageBytes = maxMessageBytes
        self.maxFrames = maxFrames
        self.maxStringBytes = maxStringBytes
        self.maxArrayCount = maxArrayCount
        self.maxBlobBytes = maxBlobBytes
    }

    /// Sized for the largest payload keyscope ships: hidden states of a Qwen2.5-VL-7B stage
    /// (≈ 16k tokens × 3584 × 4 B ≈ 235 MB) fit in one tensor frame.
    public static let standard = ProtocolLimits(
        maxMessageBytes: 1 << 30, maxFrames: 1024, maxStringBytes: 64 << 10,
        maxArrayCount: 1 << 20, maxBlobBytes: 512 << 20)

    /// Largest tensor rank STAGE_DATA accepts (fixed by the protocol, not configurable).
    public static let maxTensorRank = 8
}

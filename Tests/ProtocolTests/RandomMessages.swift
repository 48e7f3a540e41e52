import Math
@testable import Protocol

/// Seeded generator of valid messages covering every case, edge sizes (empty strings, empty arrays,
/// zero-sized tensors, rank 0) and non-ASCII text, for round-trip and fuzz tests.
struct RandomMessages {
    var rng: SplitMix64
    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func u64() -> UInt64 { rng.next() }
    mutating func u32() -> UInt32 { UInt32(truncatingIfNeeded: rng.next()) }
    mutating func u16() -> UInt16 { UInt16(truncatingIfNeeded: rng.next()) }
    mutating func bool() -> Bool { rng.next() & 1 == 1 }

    mutating func string(max: Int = 24) -> String {
        let alphabet: [Character] = Array("abcXYZ019_-#/. ") + ["é", "λ", "图", "🙂", "\u{0}"]
        return String((0..<int(0...max)).map { _ in alphabet[int(0...(alphabet.count - 1))] })
    }

    mutating func bytes(max: Int = 64) -> [UInt8] { (0..<int(0...max)).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }

    mutating func tensor() -> Tensor {
        let shape = (0..<int(0...3)).map { _ in int(0...5) }
        let n = shape.reduce(1, *)
        // Raw bit patterns, NaNs and infinities included, to prove frames are carried bit-exactly.
        return Tensor(shape: shape, data: (0..<n).map { _ in Float(bitPattern: u32()) })
    }

    mutating func message() -> Message {
        switch int(0...8) {
        case 0:
            return .hello(Hello(workerID: string(), keyscopeVersion: string(max: 8), cores: u32(), threads: u32(),
                                memoryBytes: u64(), capabilities: (0..<int(0...4)).map { _ in string(max: 8) },
                                stages: (0..<int(0...3)).map { _ in
                                    let a = UInt32(int(0...40)); return StageRange(firstLayer: a, endLayer: a + UInt32(int(0...8)), includesVision: bool())
                                }))
        case 1: return .ready(Ready(slots: u32()))
        case 2:
            return .assign(Assign(unitID: u64(), attempt: u32(), leaseID: u64(), runID: string(), phase: bool() ? .main : .calibration,
                                  sampleIDs: (0..<int(0...6)).map { _ in string(max: 12) }, layers: (0..<int(0...5)).map { _ in u32() },
                                  options: bytes(max: 16), spec: bytes()))
        case 3:
            return .stageData(StageData(unitID: u64(), attempt: u32(), leaseID: u64(), fromStage: u16(), toStage: u16(),
                                        meta: bytes(max: 16), tensors: (0..<int(0...3)).map { _ in NamedTensor(name: string(max: 8), tensor: tensor()) }))
        case 4: return .result(UnitResult(unitID: u64(), attempt: u32(), leaseID: u64(), blobs: (0..<int(0...4)).map { _ in bytes() }))
        case 5: return .error(UnitFailure(unitID: u64(), attempt: u32(), leaseID: u64(), message: string(max: 40), retryable: bool()))
        case 6: return .heartbeat(Heartbeat(sequence: u64()))
        case 7: return .shutdown(Shutdown(reason: string()))
        default: return .reject(Reject(reason: string()))
        }
    }
}

/// Bitwise equality, so NaN tensor values compare equal when their bit patterns do.
func sameBits(_ a: Message, _ b: Message) throws -> Bool {
    try MessageCodec.encode(a) == MessageCodec.encode(b)
}

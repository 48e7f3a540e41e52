import Foundation

/// Why a safetensors file, index or tensor could not be used. Every case names the file and,
/// where one is involved, the tensor, so a bad shard of a 14 GB checkpoint is found at once.
public enum SafetensorsError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotOpen(file: String, reason: String)
    case truncated(file: String, size: Int)
    case headerLengthBeyondFile(file: String, declared: UInt64, available: Int)
    case badJSON(file: String, reason: String)
    case badEntry(file: String, tensor: String, reason: String)
    case unknownDType(file: String, tensor: String, dtype: String)
    case offsetsOutOfRange(file: String, tensor: String, begin: Int, end: Int, dataSize: Int)
    case overlappingOffsets(file: String, tensor: String, other: String)
    case sizeMismatch(file: String, tensor: String, expectedBytes: Int, actualBytes: Int)
    case missingTensor(file: String, tensor: String)
    case unsupportedConversion(file: String, tensor: String, dtype: String, to: String)
    case shapeMismatch(file: String, tensor: String, expected: [Int], actual: [Int])
    case badIndex(file: String, reason: String)
    case missingShard(file: String, tensor: String)

    public var description: String {
        switch self {
        case let .cannotOpen(f, r): return "\(f): cannot open (\(r))"
        case let .truncated(f, s): return "\(f): only \(s) bytes, too short for a safetensors header"
        case let .headerLengthBeyondFile(f, d, a):
            return "\(f): header length \(d) exceeds the \(a) bytes after the length field"
        case let .badJSON(f, r): return "\(f): header is not valid JSON (\(r))"
        case let .badEntry(f, t, r): return "\(f): tensor '\(t)': \(r)"
        case let .unknownDType(f, t, d): return "\(f): tensor '\(t)': unknown dtype '\(d)'"
        case let .offsetsOutOfRange(f, t, b, e, n):
            return "\(f): tensor '\(t)': data_offsets [\(b), \(e)] outside the \(n)-byte data section"
        case let .overlappingOffsets(f, t, o): return "\(f): tensor '\(t)' overlaps tensor '\(o)'"
        case let .sizeMismatch(f, t, e, a):
            return "\(f): tensor '\(t)': shape × dtype needs \(e) bytes, data_offsets span \(a)"
        case let .missingTensor(f, t): return "\(f): no tensor '\(t)'"
        case let .unsupportedConversion(f, t, d, to): return "\(f): tensor '\(t)': cannot read \(d) as \(to)"
        case let .shapeMismatch(f, t, e, a): return "\(f): tensor '\(t)': shape \(a), expected \(e)"
        case let .badIndex(f, r): return "\(f): bad shard index (\(r))"
        case let .missingShard(f, t): return "\(f): shard for tensor '\(t)' does not exist"
        }
    }
}

import Foundation
import Math

/// Writes safetensors files (tests, benchmarks' random checkpoints). Tensors are laid out in the
/// order added; the header is space-padded to a multiple of 8 bytes as the reference writer does.
public struct SafetensorsWriter: Sendable {
    public enum FloatFormat: Sendable { case f32, f16, bf16 }
    private var items: [(name: String, dtype: SafetensorsDType, shape: [Int], bytes: [UInt8])] = []
    public var metadata: [String: String] = ["format": "pt"]

    public init() {}

    public mutating func add(_ name: String, _ t: Tensor, as format: FloatFormat = .f32) {
        var bytes: [UInt8] = []
        switch format {
        case .f32:
            bytes = t.data.withUnsafeBytes { Array($0) }
            items.append((name, .f32, t.shape, bytes))
        case .f16:
            bytes.reserveCapacity(2 * t.count)
            for x in t.data { let h = HalfFloat.floatToFloat16(x); bytes.append(UInt8(h & 0xFF)); bytes.append(UInt8(h >> 8)) }
            items.append((name, .f16, t.shape, bytes))
        case .bf16:
            bytes.reserveCapacity(2 * t.count)
            for x in t.data { let h = HalfFloat.floatToBFloat16(x); bytes.append(UInt8(h & 0xFF)); bytes.append(UInt8(h >> 8)) }
            items.append((name, .bf16, t.shape, bytes))
        }
    }

    public mutating func add(_ name: String, int64s values: [Int], shape: [Int]) {
        precondition(shape.reduce(1, *) == values.count, "SafetensorsWriter: shape \(shape) ≠ \(values.count) values")
        let bytes = values.map { Int64($0).littleEndian }.withUnsafeBytes { Array($0) }
        items.append((name, .i64, shape, bytes))
    }

    /// The complete file contents.
    public func serialized() throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for it in items {
            header[it.name] = ["dtype": it.dtype.rawValue, "shape": it.shape, "data_offsets": [offset, offset + it.bytes.count]]
            offset += it.bytes.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data()
        var n = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(json)
        for it in items { out.append(contentsOf: it.bytes) }
        return out
    }

    public func write(to url: URL) throws {
        try serialized().write(to: url)
    }
}

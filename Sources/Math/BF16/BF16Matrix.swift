import CBF16Kernels

/// A weight matrix kept in bfloat16, shape [rows = out_features, cols = in_features] (PyTorch's Linear
/// layout), stored as the raw 16-bit patterns exactly as a safetensors checkpoint holds them.
///
/// Why: a LLaVA-7B decoder in fp32 needs 27 GB; in bf16 it fits in half, and the GEMM widens the weights
/// to fp32 only inside an L2-sized packing buffer (see `Tensor.linear(_:bias:engine:threads:)`).
public struct BF16Matrix: Sendable, Equatable {
    public let rows: Int
    public let cols: Int
    /// Row-major bf16 bit patterns, `rows * cols` of them.
    public let bits: [UInt16]

    public var shape: [Int] { [rows, cols] }
    /// Bytes of weight storage (2 per value).
    public var byteCount: Int { bits.count * 2 }

    /// Wraps existing bf16 bit patterns.
    public init(rows: Int, cols: Int, bits: [UInt16]) throws(BF16Error) {
        guard rows >= 0, cols >= 0, bits.count == rows * cols else {
            throw .shapeMismatch(field: "bits", expected: rows * cols, got: bits.count)
        }
        self.rows = rows
        self.cols = cols
        self.bits = bits
    }

    /// Rounds a 2-D fp32 tensor to bf16 with round-to-nearest-even (bit-identical to torch's
    /// `tensor.to(torch.bfloat16)`, NaN kept as a quiet NaN).
    public init(_ tensor: Tensor) {
        precondition(tensor.rank == 2, "BF16Matrix: expected a 2-D [out, in] tensor, got shape \(tensor.shape)")
        rows = tensor.rows
        cols = tensor.cols
        var out = [UInt16](repeating: 0, count: tensor.count)
        tensor.data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                if let s = src.baseAddress, let d = dst.baseAddress { ks_f32_to_bf16(s, d, src.count) }
            }
        }
        bits = out
    }

    /// Copies raw little-endian bf16 bytes (a safetensors `BF16` tensor's data range) without any fp32 copy.
    public init(rawLittleEndian bytes: UnsafeRawBufferPointer, rows: Int, cols: Int) throws(BF16Error) {
        guard rows >= 0, cols >= 0, bytes.count == rows * cols * 2 else {
            throw .shapeMismatch(field: "rawLittleEndian", expected: rows * cols * 2, got: bytes.count)
        }
        var out = [UInt16](repeating: 0, count: rows * cols)
        out.withUnsafeMutableBytes { dst in
            if !bytes.isEmpty { dst.copyMemory(from: bytes) }
        }
        #if _endian(big)
        for i in out.indices { out[i] = UInt16(littleEndian: out[i]) }
        #endif
        self.rows = rows
        self.cols = cols
        bits = out
    }

    /// The weights widened to fp32 (exact); for references and the fp32 fallback.
    public func toTensor() -> Tensor {
        var out = [Float](repeating: 0, count: bits.count)
        bits.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                if let s = src.baseAddress, let d = dst.baseAddress { ks_bf16_to_f32(s, d, src.count) }
            }
        }
        return Tensor(shape: [rows, cols], data: out)
    }

    /// Value at (row, col) as fp32.
    public subscript(row: Int, col: Int) -> Float {
        Float(bitPattern: UInt32(bits[row * cols + col]) << 16)
    }
}

/// Errors of the BF16 layer; messages name the field that was wrong.
public enum BF16Error: Error, Equatable, CustomStringConvertible {
    case shapeMismatch(field: String, expected: Int, got: Int)
    case engineUnsupported(engine: String, cpu: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(field, expected, got):
            "BF16Matrix.\(field): expected \(expected) elements/bytes for the given shape, got \(got)"
        case let .engineUnsupported(engine, cpu):
            "BF16Engine: '\(engine)' is not supported by this CPU (\(cpu))"
        }
    }
}

/// A dense, row-major Float32 tensor with value semantics (copy-on-write through `Array`).
///
/// keyscope's compute is dominated by GEMMs over activations shaped `[tokens, width]`, so the
/// type stays deliberately small: a shape and a flat buffer that BLAS reads in place.
public struct Tensor: Sendable, Equatable {
    public private(set) var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count,
                     "Tensor: shape \(shape) needs \(shape.reduce(1, *)) values, got \(data.count)")
        self.shape = shape
        self.data = data
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, data: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, data: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    public var count: Int { data.count }
    public var rank: Int { shape.count }
    /// Rows when viewed as a matrix: the product of all but the last dimension.
    public var rows: Int { shape.count <= 1 ? 1 : shape.dropLast().reduce(1, *) }
    /// Columns when viewed as a matrix: the last dimension.
    public var cols: Int { shape.last ?? 1 }

    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, data: data)
    }

    public subscript(row r: Int) -> ArraySlice<Float> {
        let c = cols
        return data[(r * c)..<((r + 1) * c)]
    }

    /// Rows `range` as a new `[range.count, cols]` tensor.
    public func rows(_ range: Range<Int>) -> Tensor {
        let c = cols
        return Tensor(shape: [range.count, c], data: Array(data[(range.lowerBound * c)..<(range.upperBound * c)]))
    }

    /// Columns `range` of a matrix as a new tensor.
    public func columns(_ range: Range<Int>) -> Tensor {
        let r = rows, c = cols, w = range.count
        var out = [Float](repeating: 0, count: r * w)
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<r {
                    for j in 0..<w { dst[i * w + j] = src[i * c + range.lowerBound + j] }
                }
            }
        }
        return Tensor(shape: [r, w], data: out)
    }

    /// Matrix transpose of a 2-D tensor.
    public func transposed() -> Tensor {
        let r = rows, c = cols
        var out = [Float](repeating: 0, count: r * c)
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<r { for j in 0..<c { dst[j * r + i] = src[i * c + j] } }
            }
        }
        return Tensor(shape: [c, r], data: out)
    }

    /// Rows stacked vertically; all inputs must share `cols`.
    public static func concatRows(_ parts: [Tensor]) -> Tensor {
        guard let first = parts.first else { return Tensor(zeros: [0, 0]) }
        let c = first.cols
        var out: [Float] = []
        out.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        for p in parts {
            precondition(p.cols == c, "concatRows: column mismatch \(p.cols) vs \(c)")
            out.append(contentsOf: p.data)
        }
        return Tensor(shape: [out.count / max(c, 1), c], data: out)
    }

    /// Largest absolute elementwise difference; used by parity tests.
    public func maxAbsDifference(_ other: Tensor) -> Float {
        precondition(count == other.count)
        var m: Float = 0
        for i in 0..<count { m = max(m, abs(data[i] - other.data[i])) }
        return m
    }

    public var maxAbs: Float { data.reduce(0) { max($0, abs($1)) } }
}

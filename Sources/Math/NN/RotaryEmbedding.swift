import Foundation

/// How a Llama-family model rescales its RoPE frequencies (transformers' `rope_type`).
public enum RopeScaling: Sendable, Equatable {
    case none
    /// Position interpolation: every inverse frequency divided by `factor`.
    case linear(factor: Double)
    /// Dynamic NTK: the base grows once the sequence exceeds `maxPositionEmbeddings`.
    case dynamic(factor: Double, maxPositionEmbeddings: Int)
    /// Llama 3.1 smooth band-wise scaling.
    case llama3(factor: Double, lowFreqFactor: Double, highFreqFactor: Double, originalMaxPositionEmbeddings: Int)
}

/// Rotary position embedding in the "rotate half" convention of transformers' Llama.
///
/// Frequencies are computed the way transformers computes them (Float32 powers of a Double base), so
/// post-RoPE keys match the model's own KV cache, not just an equivalent formula.
public struct RotaryEmbedding: Sendable {
    public let headDim: Int
    public let theta: Double
    public let scaling: RopeScaling

    public init(headDim: Int, theta: Double, scaling: RopeScaling = .none) {
        precondition(headDim % 2 == 0, "RotaryEmbedding: head_dim \(headDim) must be even")
        self.headDim = headDim; self.theta = theta; self.scaling = scaling
    }

    /// `headDim / 2` inverse frequencies for a sequence of `sequenceLength` positions (only
    /// dynamic scaling depends on it: transformers uses `max(position) + 1`).
    public func inverseFrequencies(sequenceLength: Int) -> [Float] {
        let dim = headDim
        func base(_ b: Double) -> [Float] {
            (0..<(dim / 2)).map { i in 1 / powf(Float(b), Float(2 * i) / Float(dim)) }
        }
        switch scaling {
        case .none:
            return base(theta)
        case .linear(let factor):
            return base(theta).map { $0 / Float(factor) }
        case .dynamic(let factor, let maxPos):
            let seq = Double(max(sequenceLength, maxPos))
            let b = theta * pow(factor * seq / Double(maxPos) - (factor - 1), Double(dim) / Double(dim - 2))
            return base(b)
        case .llama3(let factor, let low, let high, let oldContext):
            let lowWavelen = Double(oldContext) / low, highWavelen = Double(oldContext) / high
            return base(theta).map { f in
                let wavelen = 2 * Double.pi / Double(f)
                let scaled = wavelen > lowWavelen ? Double(f) / factor : Double(f)
                if wavelen < highWavelen || wavelen > lowWavelen { return Float(scaled) }
                let smooth = (Double(oldContext) / wavelen - low) / (high - low)
                return Float((1 - smooth) * scaled / factor + smooth * scaled)
            }
        }
    }

    /// Cosine and sine tables `[positions.count, headDim]` (the half-table repeated, as `cat(freqs, freqs)`).
    public func tables(positions: [Int]) -> (cos: Tensor, sin: Tensor) {
        let inv = inverseFrequencies(sequenceLength: (positions.max() ?? -1) + 1)
        let half = headDim / 2, n = positions.count
        var c = [Float](repeating: 0, count: n * headDim), s = c
        for (t, p) in positions.enumerated() {
            for i in 0..<half {
                let angle = Float(p) * inv[i]  // Float32 product, as torch forms it
                let cv = Float(Foundation.cos(Double(angle))), sv = Float(Foundation.sin(Double(angle)))
                c[t * headDim + i] = cv; c[t * headDim + half + i] = cv
                s[t * headDim + i] = sv; s[t * headDim + half + i] = sv
            }
        }
        return (Tensor(shape: [n, headDim], data: c), Tensor(shape: [n, headDim], data: s))
    }

    /// Rotates `x` of shape `[T, heads·headDim]` in place with tables from `tables(positions:)`:
    /// `x·cos + rotate_half(x)·sin` per head, `rotate_half(a, b) = (−b, a)`.
    public func apply(_ x: inout Tensor, cos: Tensor, sin: Tensor) {
        let t = x.rows, width = x.cols, d = headDim, half = d / 2
        precondition(width % d == 0, "RoPE: width \(width) is not a multiple of head_dim \(d)")
        precondition(cos.rows == t && sin.rows == t, "RoPE: tables have \(cos.rows) rows for \(t) tokens")
        let heads = width / d
        x.data.withUnsafeMutableBufferPointer { xp in
            cos.data.withUnsafeBufferPointer { cp in
                sin.data.withUnsafeBufferPointer { sp in
                    for r in 0..<t {
                        let c = cp.baseAddress! + r * d, s = sp.baseAddress! + r * d
                        for h in 0..<heads {
                            let v = xp.baseAddress! + r * width + h * d
                            for i in 0..<half {
                                let a = v[i], b = v[i + half]
                                v[i] = a * c[i] - b * s[i]
                                v[i + half] = b * c[i + half] + a * s[i + half]
                            }
                        }
                    }
                }
            }
        }
    }

    /// Convenience: rotated copy of `x` at `positions`.
    public func rotated(_ x: Tensor, positions: [Int]) -> Tensor {
        let (c, s) = tables(positions: positions)
        var y = x
        apply(&y, cos: c, sin: s)
        return y
    }
}

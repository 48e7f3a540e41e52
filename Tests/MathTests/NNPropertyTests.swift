import Foundation
import Testing
@testable import Math

/// Properties of the NN kernels that need no reference data (PyTorch parity lives in ModelTests/NNParityTests).
@Suite struct NNPropertyTests {
    func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SplitMix64(seed: seed)
        return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in Float(rng.nextGaussian()) })
    }

    @Test func softmaxRowsSumToOneAndCausalMasksTheFuture() {
        let s = Softmax.apply(random([4, 6], seed: 1) , causal: true)  // 4 queries = last 4 of 6 keys
        for i in 0..<4 {
            let row = Array(s[row: i])
            #expect(abs(row.reduce(0, +) - 1) < 1e-6)
            for j in (i + 3)..<6 { #expect(row[j] == 0) }
        }
        let big = Softmax.apply(Tensor(shape: [1, 3], data: [1000, 1000, -1000]))
        #expect(big.data == [0.5, 0.5, 0])
    }

    /// sgemm-per-head attention equals a Double-precision loop with GQA head sharing.
    @Test func attentionMatchesNaiveLoop() {
        let t = 5, hq = 6, hk = 2, d = 4
        let q = random([t, hq * d], seed: 2), k = random([t, hk * d], seed: 3), v = random([t, hk * d], seed: 4)
        let o = Attention.scaledDotProduct(q: q, k: k, v: v, heads: hq, kvHeads: hk, headDim: d, causal: true)
        for h in 0..<hq {
            let g = h / (hq / hk)
            for i in 0..<t {
                var w = (0...i).map { j in (0..<d).reduce(0.0) { $0 + Double(q.data[i * hq * d + h * d + $1]) * Double(k.data[j * hk * d + g * d + $1]) } / 2 }
                let m = w.max()!
                w = w.map { exp($0 - m) }
                let z = w.reduce(0, +)
                for c in 0..<d {
                    let ref = (0...i).reduce(0.0) { $0 + w[$1] / z * Double(v.data[$1 * hk * d + g * d + c]) }
                    #expect(abs(Double(o.data[i * hq * d + h * d + c]) - ref) < 1e-5)
                }
            }
        }
    }

    @Test func ropeKeepsNormsAndIsIdentityAtPositionZero() {
        let rope = RotaryEmbedding(headDim: 8, theta: 10000)
        let x = random([3, 16], seed: 5)
        let y = rope.rotated(x, positions: [0, 7, 300])
        #expect(Array(y[row: 0]) == Array(x[row: 0]))
        for r in 0..<3 { for h in 0..<2 {
            let a = x.data[(r * 16 + h * 8)..<(r * 16 + h * 8 + 8)].reduce(0) { $0 + $1 * $1 }
            let b = y.data[(r * 16 + h * 8)..<(r * 16 + h * 8 + 8)].reduce(0) { $0 + $1 * $1 }
            #expect(abs(a - b) < 1e-4 * a)
        } }
    }

    @Test func normsNormalise() {
        let x = random([2, 32], seed: 6)
        let ln = LayerNorm(weight: Tensor(repeating: 1, shape: [32]), bias: Tensor(zeros: [32]), eps: 0)(x)
        let rms = RMSNorm(weight: Tensor(repeating: 1, shape: [32]), eps: 0)(x)
        for r in 0..<2 {
            let row = Array(ln[row: r])
            #expect(abs(row.reduce(0, +) / 32) < 1e-5)
            #expect(abs(row.reduce(0) { $0 + $1 * $1 } / 32 - 1) < 1e-4)
            #expect(abs(Array(rms[row: r]).reduce(0) { $0 + $1 * $1 } / 32 - 1) < 1e-4)
        }
    }
}

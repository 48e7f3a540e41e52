import Testing
@testable import Math

@Suite struct TensorCoreTests {
    @Test func linearMatchesLoop() {
        var rng = SplitMix64(seed: 7)
        let x = Tensor(shape: [5, 7], data: (0..<35).map { _ in rng.nextFloat() - 0.5 })
        let w = Tensor(shape: [3, 7], data: (0..<21).map { _ in rng.nextFloat() - 0.5 })
        let b = Tensor(shape: [3], data: [0.1, -0.2, 0.3])
        let y = x.linear(w, bias: b)
        #expect(y.shape == [5, 3])
        for i in 0..<5 { for j in 0..<3 {
            var s = Double(b.data[j]); for t in 0..<7 { s += Double(x.data[i * 7 + t]) * Double(w.data[j * 7 + t]) }
            #expect(abs(Double(y.data[i * 3 + j]) - s) < 1e-5)
        } }
    }
    @Test func transposeRoundTrip() {
        let t = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        #expect(t.transposed().data == [1, 4, 2, 5, 3, 6])
        #expect(t.transposed().transposed() == t)
    }
}

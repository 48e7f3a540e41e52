import Testing
@testable import Math

/// The AVX2 projection (4-row blocks, ks_projection.c) must give the portable loop's bits exactly:
/// results may not depend on which CPU path a worker takes.
@Suite struct ProjectionKernelTests {
    @Test(arguments: [(13, 37, 40), (4, 4096, 32), (1, 64, 5), (9, 130, 64)])
    func avx2PathIsBitIdenticalToThePortableLoop(rows: Int, width: Int, components: Int) {
        var rng = SplitMix64(seed: UInt64(rows * 1_000_003 + width * 31 + components))
        let keys = (0..<(rows * width)).map { _ in Float(rng.nextGaussian() * 3) }
        let matrix = (0..<(width * components)).map { _ in Float(rng.nextGaussian()) / Float(width) }
        let offset = (0..<components).map { _ in Float(rng.nextGaussian()) }
        let kernel = ProjectionKernel(matrix: matrix, offset: offset, width: width, components: components)
        var fast = [Float](repeating: .nan, count: rows * components), slow = fast
        keys.withUnsafeBufferPointer { k in
            fast.withUnsafeMutableBufferPointer { kernel.apply(keys: k.baseAddress!, range: 0..<rows, out: $0.baseAddress!) }
            slow.withUnsafeMutableBufferPointer { kernel.applyPortable(keys: k.baseAddress!, range: 0..<rows, out: $0.baseAddress!) }
        }
        #expect(fast.map(\.bitPattern) == slow.map(\.bitPattern))
        // And against a plain scalar sum in the documented order.
        for row in [0, rows - 1] {
            for j in [0, components - 1] {
                var s: Float = 0
                for d in 0..<width { s = s + keys[row * width + d] * matrix[d * components + j] }
                #expect((s - offset[j]).bitPattern == fast[row * components + j].bitPattern, "row \(row) col \(j)")
            }
        }
    }
}

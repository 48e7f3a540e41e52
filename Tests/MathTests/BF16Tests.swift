import Foundation
import Testing
@testable import Math

/// BF16 weights and the bf16-weight linear: rounding, raw loading, accuracy against the fp32 path,
/// and determinism across engines and thread counts.
@Suite struct BF16Tests {
    func random(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
        var rng = SplitMix64(seed: seed)
        return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in Float(rng.nextGaussian()) * scale })
    }

    /// Independent round-to-nearest-even: pick the closer of the two bf16 neighbours in Double,
    /// ties to the even mantissa (what torch's `.to(torch.bfloat16)` does).
    func referenceBF16(_ x: Float) -> UInt16 {
        if x.isNaN { return UInt16(x.bitPattern >> 16) | 0x40 }
        let lo = UInt16(x.bitPattern >> 16)  // truncation: toward zero in magnitude
        let hi = lo &+ 1
        if x.isInfinite { return lo }
        // IEEE overflow: the neighbour above the largest finite bf16 counts as ±2¹²⁸ (then becomes ±inf).
        func value(_ b: UInt16) -> Double {
            b & 0x7FFF == 0x7F80 ? (b & 0x8000 == 0 ? 0x1p128 : -0x1p128) : Double(Float(bitPattern: UInt32(b) << 16))
        }
        let dLo = abs(Double(x) - value(lo)), dHi = abs(Double(x) - value(hi))
        if dLo < dHi { return lo }
        if dHi < dLo { return hi }
        return lo & 1 == 0 ? lo : hi
    }

    @Test func roundingIsNearestEvenLikeTorch() throws {
        var values: [Float] = [0, -0, 1, -1, 1.00390625, 1.01171875, 3.14159265, -2.71828, 65504, 1e-40,
                               .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .infinity, -.infinity,
                               Float(bitPattern: 0x3F80_8000), Float(bitPattern: 0x3F81_8000),  // exact ties
                               Float(bitPattern: 0x3F80_8001), Float(bitPattern: 0x7F7F_FFFF)]
        values += random([2000], seed: 7, scale: 100).data
        let m = BF16Matrix(Tensor(shape: [1, values.count], data: values))
        for (i, v) in values.enumerated() { #expect(m.bits[i] == referenceBF16(v), "value \(v)") }
        #expect(m.bits[14] == 0x3F80 && m.bits[15] == 0x3F82, "ties go to the even mantissa")
        #expect(m.bits[10] == 0x7F80, "FLT_MAX overflows to +inf, as in torch")
        let nan = BF16Matrix(Tensor(shape: [1, 1], data: [.nan]))
        #expect(nan[0, 0].isNaN)
        // Widening is exact: bf16 → fp32 → bf16 is the identity.
        #expect(BF16Matrix(m.toTensor()) == m)
    }

    @Test func rawLittleEndianBytesLoadWithoutConversion() throws {
        let bytes: [UInt8] = [0x80, 0x3F, 0x00, 0xC0, 0x49, 0x40, 0x00, 0x00, 0x80, 0x7F, 0x00, 0x80]
        let m = try bytes.withUnsafeBytes { try BF16Matrix(rawLittleEndian: $0, rows: 2, cols: 3) }
        #expect(m.bits == [0x3F80, 0xC000, 0x4049, 0x0000, 0x7F80, 0x8000])
        #expect(m.toTensor().data == [1, -2, Float(bitPattern: 0x4049_0000), 0, .infinity, -0])
        #expect(m.byteCount == 12 && m.shape == [2, 3])
        #expect(throws: BF16Error.shapeMismatch(field: "rawLittleEndian", expected: 12, got: 11)) {
            try bytes.dropLast().withUnsafeBytes { try BF16Matrix(rawLittleEndian: $0, rows: 2, cols: 3) }
        }
        #expect(throws: BF16Error.self) { try BF16Matrix(rows: 2, cols: 2, bits: [1, 2, 3]) }
    }

    /// Odd shapes hit every edge tile (rows % 6, cols % 16, k % 8, k > one 256-wide block).
    @Test(arguments: [(1, 1, 1), (7, 37, 301), (13, 530, 70), (64, 48, 600)])
    func matchesFp32LinearOnTheSameWeights(shape: (Int, Int, Int)) {
        let (n, out, k) = shape
        let x = random([n, k], seed: 11)
        let w = BF16Matrix(random([out, k], seed: 12, scale: 1 / Float(k).squareRoot()))
        let bias = random([out], seed: 13)
        let w32 = w.toTensor()
        let fp32 = x.linear(w32, bias: bias)
        for engine in BF16Engine.allCases where engine != .avx512BF16 && engine.isSupported {
            let y = x.linear(w, bias: bias, engine: engine, threads: 2)
            #expect(y.shape == [n, out])
            let rel = y.maxAbsDifference(fp32) / fp32.maxAbs
            #expect(rel < 2e-6, "\(engine): relative error \(rel)")
            // Against an exact Double reference, the fp32 chain stays within fp32 rounding.
            var worst = 0.0, scale = 0.0
            for i in 0..<n { for j in 0..<out {
                var s = Double(bias.data[j])
                for p in 0..<k { s += Double(x.data[i * k + p]) * Double(w[j, p]) }
                worst = max(worst, abs(s - Double(y.data[i * out + j])))
                scale = max(scale, abs(s))
            } }
            #expect(worst / scale < 2e-6, "\(engine): vs Double \(worst / scale)")
        }
    }

    @Test func bitIdenticalAcrossThreadCountsEnginesAndRuns() {
        let x = random([20, 300], seed: 21), w = BF16Matrix(random([200, 300], seed: 22, scale: 0.06))
        let reference = x.linear(w, engine: .scalar, threads: 1)
        for engine in [BF16Engine.scalar, .avx2FMA] where engine.isSupported {
            for threads in [1, 2, 3, 5, 64] {
                #expect(x.linear(w, engine: engine, threads: threads).data == reference.data,
                        "\(engine) with \(threads) threads")
            }
        }
        #expect(x.linear(w).data == x.linear(w).data)
    }

    @Test func engineSelectionExplainsFallbacks() {
        let cpu = BF16Engine.cpuSummary
        #expect(cpu.contains("avx2+fma"))
        #expect(BF16Engine.current.isSupported)
        #expect(BF16Engine.current == (BF16Engine.avx2FMA.isSupported ? .avx2FMA : .scalar) || BF16Engine.currentNote == nil)
        #expect(BF16Engine.avx2FMA.description == "avx2-fma (bf16 weights converted in-kernel)")
        let bogus = BF16Engine.select(requested: "amx")
        #expect(bogus.engine.isSupported && bogus.note?.contains("'amx' is not one of") == true)
        #expect(BF16Engine.select(requested: "scalar") == (.scalar, nil))
        let avx512 = BF16Engine.select(requested: "avx512-bf16")
        if BF16Engine.avx512BF16.isSupported {
            #expect(avx512.engine == .avx512BF16 && avx512.note == nil)
            // Activations rounded to bf16: bf16-level error, not fp32-level.
            let x = random([5, 100], seed: 31), w = BF16Matrix(random([40, 100], seed: 32, scale: 0.1))
            let rel = x.linear(w, engine: .avx512BF16).maxAbsDifference(x.linear(w.toTensor())) / x.linear(w.toTensor()).maxAbs
            #expect(rel < 2e-2)
        } else {
            #expect(avx512.engine != .avx512BF16 && avx512.note?.contains("not supported by this CPU") == true)
        }
    }

    @Test func emptyShapesAndBiasOnly() throws {
        let w = try BF16Matrix(rows: 3, cols: 0, bits: [])
        let y = Tensor(shape: [2, 0], data: []).linear(w, bias: Tensor(shape: [3], data: [1, 2, 3]))
        #expect(y.shape == [2, 3] && y.data == [1, 2, 3, 1, 2, 3])
        #expect(Tensor(shape: [0, 4], data: []).linear(BF16Matrix(random([5, 4], seed: 1))).shape == [0, 5])
    }

    @Test func benchmarkReportsBothPathsInOneRun() {
        let r = BF16Benchmark.run(m: 12, n: 40, k: 96, threads: 2, repeats: 1)
        #expect(r.bf16GFlops > 0 && r.fp32GFlops > 0 && r.speedup > 0)
        #expect(r.maxRelativeError < 2e-6)
        #expect(r.bf16WeightBytes * 2 == r.fp32WeightBytes)
        #expect(r.summary.contains("gemm 12×40×96, 2 threads"))
    }
}

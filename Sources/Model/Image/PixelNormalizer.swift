/// transformers' `rescale` then `normalize`, reproduced operation for operation so the Float32
/// result is bit-identical: `Float(Double(u8) * scale)` (numpy upcasts to float64, then casts),
/// then `(x - mean) / std` in Float32 with mean and std rounded to Float32 first.
public struct PixelNormalizer: Sendable, Equatable {
    public var doRescale: Bool
    public var rescaleFactor: Double
    public var doNormalize: Bool
    public var mean: [Double]
    public var std: [Double]

    public init(doRescale: Bool, rescaleFactor: Double, doNormalize: Bool, mean: [Double], std: [Double]) {
        self.doRescale = doRescale
        self.rescaleFactor = rescaleFactor
        self.doNormalize = doNormalize
        self.mean = mean
        self.std = std
    }

    /// Channel-first `[3, height, width]` Float32 values of an RGB image.
    public func channelsFirst(_ image: Image) -> [Float] {
        let n = image.width * image.height
        var out = [Float](repeating: 0, count: 3 * n)
        let m = mean.map { Float($0) }, s = std.map { Float($0) }
        image.pixels.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                for c in 0..<3 {
                    for i in 0..<n {
                        var v = doRescale ? Float(Double(p[3 * i + c]) * rescaleFactor) : Float(p[3 * i + c])
                        if doNormalize { v = (v - m[c]) / s[c] }
                        o[c * n + i] = v
                    }
                }
            }
        }
        return out
    }
}

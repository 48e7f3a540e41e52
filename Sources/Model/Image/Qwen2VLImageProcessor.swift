import Foundation
import Math

/// transformers' `Qwen2VLImageProcessorPil` (used by Qwen2.5-VL): `smart_resize` to multiples of
/// `patch_size * merge_size` within [min_pixels, max_pixels], bicubic resize, rescale, normalize,
/// then patchify into rows of `C * temporal_patch_size * patch_size²` values.
public struct Qwen2VLImageProcessor: Sendable {
    // MARK: Configuration

    public struct Config: Codable, Sendable, Equatable {
        public var doResize: Bool
        public var resample: Int
        public var minPixels: Int
        public var maxPixels: Int
        public var doRescale: Bool
        public var rescaleFactor: Double
        public var doNormalize: Bool
        public var imageMean: [Double]
        public var imageStd: [Double]
        public var patchSize: Int
        public var temporalPatchSize: Int
        public var mergeSize: Int

        /// transformers' class defaults (`Qwen2VLImageProcessorPil`).
        public init(doResize: Bool = true, resample: Int = 3, minPixels: Int = 56 * 56,
                    maxPixels: Int = 28 * 28 * 1280, doRescale: Bool = true, rescaleFactor: Double = 1.0 / 255.0,
                    doNormalize: Bool = true, imageMean: [Double] = openAIClipMean,
                    imageStd: [Double] = openAIClipStd, patchSize: Int = 14, temporalPatchSize: Int = 2,
                    mergeSize: Int = 2) {
            self.doResize = doResize; self.resample = resample; self.minPixels = minPixels
            self.maxPixels = maxPixels; self.doRescale = doRescale; self.rescaleFactor = rescaleFactor
            self.doNormalize = doNormalize; self.imageMean = imageMean; self.imageStd = imageStd
            self.patchSize = patchSize; self.temporalPatchSize = temporalPatchSize; self.mergeSize = mergeSize
        }

        enum CodingKeys: String, CodingKey {
            case doResize = "do_resize", resample, size, minPixels = "min_pixels", maxPixels = "max_pixels"
            case doRescale = "do_rescale", rescaleFactor = "rescale_factor", doNormalize = "do_normalize"
            case imageMean = "image_mean", imageStd = "image_std", patchSize = "patch_size"
            case temporalPatchSize = "temporal_patch_size", mergeSize = "merge_size"
        }

        struct Size: Codable { var shortest_edge: Int?; var longest_edge: Int? }

        /// As transformers' `__init__`: `size` first, then `min_pixels` / `max_pixels` override it.
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Config()
            doResize = try c.decodeIfPresent(Bool.self, forKey: .doResize) ?? d.doResize
            resample = try c.decodeIfPresent(Int.self, forKey: .resample) ?? d.resample
            let size = try c.decodeIfPresent(Size.self, forKey: .size)
            minPixels = try c.decodeIfPresent(Int.self, forKey: .minPixels) ?? size?.shortest_edge ?? d.minPixels
            maxPixels = try c.decodeIfPresent(Int.self, forKey: .maxPixels) ?? size?.longest_edge ?? d.maxPixels
            doRescale = try c.decodeIfPresent(Bool.self, forKey: .doRescale) ?? d.doRescale
            rescaleFactor = try c.decodeIfPresent(Double.self, forKey: .rescaleFactor) ?? d.rescaleFactor
            doNormalize = try c.decodeIfPresent(Bool.self, forKey: .doNormalize) ?? d.doNormalize
            imageMean = try c.decodeIfPresent([Double].self, forKey: .imageMean) ?? d.imageMean
            imageStd = try c.decodeIfPresent([Double].self, forKey: .imageStd) ?? d.imageStd
            patchSize = try c.decodeIfPresent(Int.self, forKey: .patchSize) ?? d.patchSize
            temporalPatchSize = try c.decodeIfPresent(Int.self, forKey: .temporalPatchSize) ?? d.temporalPatchSize
            mergeSize = try c.decodeIfPresent(Int.self, forKey: .mergeSize) ?? d.mergeSize
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(doResize, forKey: .doResize)
            try c.encode(resample, forKey: .resample)
            try c.encode(minPixels, forKey: .minPixels)
            try c.encode(maxPixels, forKey: .maxPixels)
            try c.encode(doRescale, forKey: .doRescale)
            try c.encode(rescaleFactor, forKey: .rescaleFactor)
            try c.encode(doNormalize, forKey: .doNormalize)
            try c.encode(imageMean, forKey: .imageMean)
            try c.encode(imageStd, forKey: .imageStd)
            try c.encode(patchSize, forKey: .patchSize)
            try c.encode(temporalPatchSize, forKey: .temporalPatchSize)
            try c.encode(mergeSize, forKey: .mergeSize)
        }

        /// Reads `preprocessor_config.json`, validating the fields this processor depends on.
        public static func load(url: URL) throws(ProcessorConfigError) -> Config {
            let config: Config = try ProcessorConfigLoader.decode(url: url)
            let file = url.path
            guard config.patchSize > 0, config.mergeSize > 0, config.temporalPatchSize > 0 else {
                throw .invalidField(file: file, field: "patch_size/merge_size/temporal_patch_size", detail: "must be > 0")
            }
            guard config.minPixels > 0, config.maxPixels >= config.minPixels else {
                throw .invalidField(file: file, field: "min_pixels/max_pixels", detail: "need 0 < min_pixels <= max_pixels")
            }
            guard Image.Filter(rawValue: Int32(config.resample)) != nil else {
                throw .invalidField(file: file, field: "resample", detail: "\(config.resample) is not bilinear (2) or bicubic (3)")
            }
            guard config.imageMean.count == 3, config.imageStd.count == 3 else {
                throw .invalidField(file: file, field: "image_mean/image_std", detail: "need 3 values each")
            }
            return config
        }
    }

    public let config: Config

    public init(config: Config) { self.config = config }

    /// Number of values in one patch row: `3 * temporal_patch_size * patch_size²` (1176 for Qwen2.5-VL).
    public var patchDimension: Int { 3 * config.temporalPatchSize * config.patchSize * config.patchSize }

    /// `<|image_pad|>` tokens one image occupies in the prompt: `t·h·w / merge_size²`
    /// (the expansion the processor performs in transformers, done by the caller here).
    public func imageTokenCount(gridTHW: [Int]) -> Int {
        gridTHW.reduce(1, *) / (config.mergeSize * config.mergeSize)
    }

    // MARK: Processing

    /// `pixel_values` `[Σ grid_t·grid_h·grid_w, patchDimension]` and `image_grid_thw` (one
    /// `[1, grid_h, grid_w]` per image), as transformers concatenates them.
    public func preprocess(_ images: [Image]) throws(ImageError) -> (pixelValues: Tensor, gridTHW: [[Int]]) {
        var data: [Float] = []
        var grids: [[Int]] = []
        for image in images {
            let (patches, gh, gw) = try patchify(image)
            data.append(contentsOf: patches)
            grids.append([1, gh, gw])
        }
        return (Tensor(shape: [data.count / patchDimension, patchDimension], data: data), grids)
    }

    /// transformers' `smart_resize`, with Python's float semantics (banker's `round`).
    public static func smartResize(height: Int, width: Int, factor: Int, minPixels: Int,
                                   maxPixels: Int, name: String = "<memory>") throws(ImageError) -> (height: Int, width: Int) {
        let ratio = Double(max(height, width)) / Double(min(height, width))
        guard ratio <= 200 else {
            throw .invalidGeometry(file: name, detail: "absolute aspect ratio must be smaller than 200, got \(ratio)")
        }
        let f = Double(factor)
        var hBar = Int((Double(height) / f).rounded(.toNearestOrEven)) * factor
        var wBar = Int((Double(width) / f).rounded(.toNearestOrEven)) * factor
        if hBar * wBar > maxPixels {
            let beta = (Double(height * width) / Double(maxPixels)).squareRoot()
            hBar = max(factor, Int((Double(height) / beta / f).rounded(.down)) * factor)
            wBar = max(factor, Int((Double(width) / beta / f).rounded(.down)) * factor)
        } else if hBar * wBar < minPixels {
            let beta = (Double(minPixels) / Double(height * width)).squareRoot()
            hBar = Int((Double(height) * beta / f).rounded(.up)) * factor
            wBar = Int((Double(width) * beta / f).rounded(.up)) * factor
        }
        return (hBar, wBar)
    }

    /// One image's patch rows in transformers' order: rows run over (gh/m, gw/m, m, m) blocks,
    /// each row over (C, T, patch, patch), the single frame repeated `temporal_patch_size` times.
    func patchify(_ image: Image) throws(ImageError) -> (patches: [Float], gridH: Int, gridW: Int) {
        let p = config.patchSize, m = config.mergeSize, t = config.temporalPatchSize
        var img = image
        if config.doResize {
            let (h, w) = try Self.smartResize(height: img.height, width: img.width, factor: p * m,
                                              minPixels: config.minPixels, maxPixels: config.maxPixels, name: img.name)
            img = try img.resized(width: w, height: h, filter: Image.Filter(rawValue: Int32(config.resample)) ?? .bicubic)
        }
        guard img.height % (p * m) == 0, img.width % (p * m) == 0 else {
            throw .invalidGeometry(file: img.name,
                detail: "\(img.width)x\(img.height) is not a multiple of patch_size*merge_size = \(p * m)")
        }
        let normalizer = PixelNormalizer(doRescale: config.doRescale, rescaleFactor: config.rescaleFactor,
                                         doNormalize: config.doNormalize, mean: config.imageMean, std: config.imageStd)
        let chw = normalizer.channelsFirst(img)
        let H = img.height, W = img.width, gh = H / p, gw = W / p
        let rowLen = 3 * t * p * p
        var out = [Float](repeating: 0, count: gh * gw * rowLen)
        chw.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var o = 0
                for bh in 0..<(gh / m) {
                    for bw in 0..<(gw / m) {
                        for mh in 0..<m {
                            for mw in 0..<m {
                                let y0 = (bh * m + mh) * p, x0 = (bw * m + mw) * p
                                for c in 0..<3 {
                                    for _ in 0..<t {
                                        for py in 0..<p {
                                            let base = c * H * W + (y0 + py) * W + x0
                                            for px in 0..<p { dst[o] = src[base + px]; o += 1 }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (out, gh, gw)
    }
}

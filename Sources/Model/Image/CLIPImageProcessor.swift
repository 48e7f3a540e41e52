import Foundation
import Math

/// transformers' `CLIPImageProcessorPil` as LLaVA-1.5 uses it: shortest edge → `size` (bicubic),
/// center crop, rescale, normalize; plus `LlavaImageProcessorPil`'s optional `do_pad`
/// (pad to square with the mean colour before resizing — off in llava-1.5-7b-hf's config).
public struct CLIPImageProcessor: Sendable {
    // MARK: Configuration

    public struct Config: Codable, Sendable, Equatable {
        public var doResize: Bool
        public var shortestEdge: Int
        public var resample: Int
        public var doCenterCrop: Bool
        public var cropHeight: Int
        public var cropWidth: Int
        public var doRescale: Bool
        public var rescaleFactor: Double
        public var doNormalize: Bool
        public var imageMean: [Double]
        public var imageStd: [Double]
        public var doPad: Bool

        /// transformers' class defaults (`CLIPImageProcessorPil`), applied where a key is absent.
        public init(doResize: Bool = true, shortestEdge: Int = 224, resample: Int = 3,
                    doCenterCrop: Bool = true, cropHeight: Int = 224, cropWidth: Int = 224,
                    doRescale: Bool = true, rescaleFactor: Double = 1.0 / 255.0, doNormalize: Bool = true,
                    imageMean: [Double] = openAIClipMean, imageStd: [Double] = openAIClipStd,
                    doPad: Bool = false) {
            self.doResize = doResize; self.shortestEdge = shortestEdge; self.resample = resample
            self.doCenterCrop = doCenterCrop; self.cropHeight = cropHeight; self.cropWidth = cropWidth
            self.doRescale = doRescale; self.rescaleFactor = rescaleFactor; self.doNormalize = doNormalize
            self.imageMean = imageMean; self.imageStd = imageStd; self.doPad = doPad
        }

        enum CodingKeys: String, CodingKey {
            case doResize = "do_resize", size, resample, doCenterCrop = "do_center_crop"
            case cropSize = "crop_size", doRescale = "do_rescale", rescaleFactor = "rescale_factor"
            case doNormalize = "do_normalize", imageMean = "image_mean", imageStd = "image_std"
            case doPad = "do_pad"
        }

        struct Size: Codable { var shortest_edge: Int?; var height: Int?; var width: Int? }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Config()
            doResize = try c.decodeIfPresent(Bool.self, forKey: .doResize) ?? d.doResize
            let size = try c.decodeIfPresent(Size.self, forKey: .size)
            guard size == nil || size?.shortest_edge != nil else {
                throw DecodingError.dataCorruptedError(forKey: .size, in: c,
                    debugDescription: "only {\"shortest_edge\": N} is supported")
            }
            shortestEdge = size?.shortest_edge ?? d.shortestEdge
            resample = try c.decodeIfPresent(Int.self, forKey: .resample) ?? d.resample
            doCenterCrop = try c.decodeIfPresent(Bool.self, forKey: .doCenterCrop) ?? d.doCenterCrop
            let crop = try c.decodeIfPresent(Size.self, forKey: .cropSize)
            cropHeight = crop?.height ?? d.cropHeight
            cropWidth = crop?.width ?? d.cropWidth
            doRescale = try c.decodeIfPresent(Bool.self, forKey: .doRescale) ?? d.doRescale
            rescaleFactor = try c.decodeIfPresent(Double.self, forKey: .rescaleFactor) ?? d.rescaleFactor
            doNormalize = try c.decodeIfPresent(Bool.self, forKey: .doNormalize) ?? d.doNormalize
            imageMean = try c.decodeIfPresent([Double].self, forKey: .imageMean) ?? d.imageMean
            imageStd = try c.decodeIfPresent([Double].self, forKey: .imageStd) ?? d.imageStd
            doPad = try c.decodeIfPresent(Bool.self, forKey: .doPad) ?? d.doPad
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(doResize, forKey: .doResize)
            try c.encode(["shortest_edge": shortestEdge], forKey: .size)
            try c.encode(resample, forKey: .resample)
            try c.encode(doCenterCrop, forKey: .doCenterCrop)
            try c.encode(["height": cropHeight, "width": cropWidth], forKey: .cropSize)
            try c.encode(doRescale, forKey: .doRescale)
            try c.encode(rescaleFactor, forKey: .rescaleFactor)
            try c.encode(doNormalize, forKey: .doNormalize)
            try c.encode(imageMean, forKey: .imageMean)
            try c.encode(imageStd, forKey: .imageStd)
            try c.encode(doPad, forKey: .doPad)
        }

        /// Reads `preprocessor_config.json`, validating the fields this processor depends on.
        public static func load(url: URL) throws(ProcessorConfigError) -> Config {
            let config: Config = try ProcessorConfigLoader.decode(url: url)
            let file = url.path
            guard config.shortestEdge > 0 else { throw .invalidField(file: file, field: "size", detail: "must be > 0") }
            guard config.cropHeight > 0, config.cropWidth > 0 else {
                throw .invalidField(file: file, field: "crop_size", detail: "must be > 0")
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

    /// `<image>` tokens one image expands to in LLaVA-1.5 with the "default" feature-select
    /// strategy: one per vision patch of the crop, CLS dropped (576 for 336 px and patch 14).
    public func imageTokenCount(patchSize: Int) -> Int {
        (config.cropHeight / patchSize) * (config.cropWidth / patchSize)
    }

    // MARK: Processing

    /// `pixel_values[i]` for one image: Float32 `[3, crop_height, crop_width]` (or the resized
    /// size when center crop is off).
    public func preprocess(_ image: Image) throws(ImageError) -> Tensor {
        var img = image
        if config.doPad { img = ImageGeometry.padToSquare(img, color: config.imageMean.map { UInt8(Int($0 * 255)) }) }
        if config.doResize {
            let (h, w) = Self.shortestEdgeSize(height: img.height, width: img.width, shortestEdge: config.shortestEdge)
            img = try img.resized(width: w, height: h, filter: Image.Filter(rawValue: Int32(config.resample)) ?? .bicubic)
        }
        if config.doCenterCrop {
            img = ImageGeometry.centerCrop(img, height: config.cropHeight, width: config.cropWidth)
        }
        let normalizer = PixelNormalizer(doRescale: config.doRescale, rescaleFactor: config.rescaleFactor,
                                         doNormalize: config.doNormalize, mean: config.imageMean, std: config.imageStd)
        return Tensor(shape: [3, img.height, img.width], data: normalizer.channelsFirst(img))
    }

    /// A batch stacked as `[N, 3, H, W]` (all outputs share the crop size).
    public func preprocess(_ images: [Image]) throws(ImageError) -> Tensor {
        var data: [Float] = []
        var shape: [Int] = [0, 3, config.cropHeight, config.cropWidth]
        for image in images {
            let t = try preprocess(image)
            shape = [images.count] + t.shape
            data.append(contentsOf: t.data)
        }
        return Tensor(shape: shape, data: data)
    }

    /// transformers' `get_resize_output_image_size(default_to_square=False)`: the short side
    /// becomes `shortestEdge`, the long side `int(shortestEdge * long / short)`.
    public static func shortestEdgeSize(height: Int, width: Int, shortestEdge: Int) -> (height: Int, width: Int) {
        let (short, long) = width <= height ? (width, height) : (height, width)
        let newLong = Int(Double(shortestEdge * long) / Double(short))
        return width <= height ? (newLong, shortestEdge) : (shortestEdge, newLong)
    }
}

/// OpenAI CLIP normalisation constants (transformers' `OPENAI_CLIP_MEAN` / `OPENAI_CLIP_STD`).
public let openAIClipMean: [Double] = [0.48145466, 0.4578275, 0.40821073]
public let openAIClipStd: [Double] = [0.26862954, 0.26130258, 0.27577711]

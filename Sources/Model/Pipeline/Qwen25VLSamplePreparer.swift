import Foundation
import Math

/// Sample → Qwen2.5-VL inputs, as `Qwen2_5_VLProcessor` builds them: Qwen2-VL image preprocessing
/// (`smart_resize` within the checkpoint's `min_pixels`/`max_pixels`), the chat template, each
/// `<|image_pad|>` expanded to `t·h·w / merge²` copies from that image's grid, and the checkpoint's
/// byte-level BPE tokenizer. The image grid decides the token count, so preprocessing runs first.
public struct Qwen25VLSamplePreparer: Sendable {
    public let config: Qwen25VLConfig
    public let tokenizer: any TextTokenizer
    public let promptBuilder: PromptBuilder
    public let imageProcessor: Qwen2VLImageProcessor

    public init(modelDirectory dir: URL, config: Qwen25VLConfig) throws {
        self.config = config
        self.tokenizer = try Tokenizer.load(directory: dir)
        self.promptBuilder = try PromptBuilder(family: .qwen25vl, modelDirectory: dir)
        self.imageProcessor = Qwen2VLImageProcessor(config: try Qwen2VLImageProcessor.Config.load(url: dir.appendingPathComponent("preprocessor_config.json")))
    }

    public func prepare(_ sample: Sample) throws -> PreparedSample {
        let image = try SampleImageLoader.load(sample)
        let pixels: Tensor, grids: [[Int]]
        do { (pixels, grids) = try imageProcessor.preprocess([image]) } catch {
            throw SamplePreparationError(sampleID: sample.id, reason: "image preprocessing: \(error)")
        }
        // The vision tower merges `spatial_merge_size²` patches per token; the processor must agree.
        let merge = config.visionConfig.spatialMergeSize
        guard imageProcessor.config.mergeSize == merge else {
            throw SamplePreparationError(sampleID: sample.id, reason:
                "preprocessor_config.json merge_size \(imageProcessor.config.mergeSize) ≠ config.json vision_config.spatial_merge_size \(merge)")
        }
        let counts = grids.map { $0.reduce(1, *) / (merge * merge) }
        let prompt: Prompt
        do { prompt = try promptBuilder.build(sample).expandingImageTokens(counts: counts) } catch {
            throw SamplePreparationError(sampleID: sample.id, reason: "prompt: \(error)")
        }
        let (ids, roles) = try PromptTokenization.tokenize(prompt, tokenizer: tokenizer, imageTokenID: config.imageTokenId,
                                                           expectedImageTokens: counts.reduce(0, +), sampleID: sample.id)
        return PreparedSample(sampleID: sample.id, inputIds: ids, roles: roles, pixelValues: pixels, imageGridTHW: grids, prompt: prompt)
    }

    /// `imageGridTHW` of a prepared sample in the stage's input type.
    public static func grids(of sample: PreparedSample) -> [Qwen25VLImageGrid] {
        sample.imageGridTHW.map { Qwen25VLImageGrid(t: $0[0], h: $0[1], w: $0[2]) }
    }
}

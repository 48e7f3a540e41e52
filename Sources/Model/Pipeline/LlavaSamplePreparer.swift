import Foundation
import Math

/// Sample → LLaVA-1.5 inputs, as `LlavaProcessor` builds them: chat template, `<image>` expanded to
/// `(image_size / patch)²` tokens (+1 with strategy `full`), the checkpoint's tokenizer, CLIP preprocessing.
public struct LlavaSamplePreparer: Sendable {
    public let config: LlavaConfig
    public let tokenizer: any TextTokenizer
    public let promptBuilder: PromptBuilder
    public let imageProcessor: CLIPImageProcessor

    public init(modelDirectory dir: URL, config: LlavaConfig) throws {
        self.config = config
        self.tokenizer = try Tokenizer.load(directory: dir)
        self.promptBuilder = try PromptBuilder(family: .llava, modelDirectory: dir)
        self.imageProcessor = CLIPImageProcessor(config: try CLIPImageProcessor.Config.load(url: dir.appendingPathComponent("preprocessor_config.json")))
    }

    /// Image tokens per image, as LlavaProcessor computes them.
    public var imageTokensPerImage: Int {
        let side = config.visionConfig.imageSize / config.visionConfig.patchSize
        return side * side + (config.visionFeatureSelectStrategy == .full ? 1 : 0)
    }

    public func prepare(_ sample: Sample) throws -> PreparedSample {
        let image = try SampleImageLoader.load(sample)
        let pixels: Tensor
        do { pixels = try imageProcessor.preprocess([image]) } catch {
            throw SamplePreparationError(sampleID: sample.id, reason: "image preprocessing: \(error)")
        }
        let prompt: Prompt
        do { prompt = try promptBuilder.build(sample).expandingImageTokens(to: imageTokensPerImage) } catch {
            throw SamplePreparationError(sampleID: sample.id, reason: "prompt: \(error)")
        }
        let (ids, roles) = try PromptTokenization.tokenize(prompt, tokenizer: tokenizer, imageTokenID: config.imageTokenIndex,
                                                           expectedImageTokens: imageTokensPerImage, sampleID: sample.id)
        return PreparedSample(sampleID: sample.id, inputIds: ids, roles: roles, pixelValues: pixels, prompt: prompt)
    }
}

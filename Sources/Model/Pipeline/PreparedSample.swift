import Foundation
import Math

/// A dataset sample turned into exactly what the model's forward consumes, plus a role per token.
public struct PreparedSample: Sendable {
    public var sampleID: String
    public var inputIds: [Int]
    /// image / template / question per token (`Prompt.roles`).
    public var roles: [TokenRole]
    /// LLaVA: `[n_images, 3, H, W]`; Qwen2.5-VL: `[Σ t·h·w, 1176]`.
    public var pixelValues: Tensor
    /// Qwen2.5-VL only: `[[t, h, w]]` per image.
    public var imageGridTHW: [[Int]]
    /// The rendered (expanded) prompt, for `keyscope inspect`.
    public var prompt: Prompt

    public init(sampleID: String, inputIds: [Int], roles: [TokenRole], pixelValues: Tensor, imageGridTHW: [[Int]] = [], prompt: Prompt) {
        self.sampleID = sampleID; self.inputIds = inputIds; self.roles = roles; self.pixelValues = pixelValues
        self.imageGridTHW = imageGridTHW; self.prompt = prompt
    }
}

/// Why a sample cannot be prepared. Deterministic for a given sample and model, so the run excludes and
/// lists it instead of retrying.
public struct SamplePreparationError: Error, CustomStringConvertible, Equatable {
    public var sampleID: String
    public var reason: String
    public init(sampleID: String, reason: String) { self.sampleID = sampleID; self.reason = reason }
    public var description: String { "sample '\(sampleID)': \(reason)" }
}

/// Reads the raw image of a sample.
enum SampleImageLoader {
    static func load(_ sample: Sample) throws -> Image {
        do {
            switch sample.image {
            case .file(let url): return try Image.load(url: url)
            case .inline(let data): return try Image.decode(data: data, name: "\(sample.id) (inline image)")
            }
        } catch {
            throw SamplePreparationError(sampleID: sample.id, reason: "image: \(error)")
        }
    }
}

/// Tokenises an expanded prompt, checks that the image placeholders became exactly the expected image
/// token ids, and assigns roles.
enum PromptTokenization {
    static func tokenize(_ prompt: Prompt, tokenizer: any TextTokenizer, imageTokenID: Int, expectedImageTokens: Int,
                         sampleID: String) throws -> (ids: [Int], roles: [TokenRole]) {
        let spans = tokenizer.encodeWithOffsets(prompt.text, addSpecialTokens: true)
        let ids = spans.map(\.id)
        let roles = prompt.roles(forTokenBytes: spans.map(\.utf8Range))
        let imageIDs = ids.filter { $0 == imageTokenID }.count
        let imageRoles = roles.filter { $0 == .image }.count
        guard imageIDs == expectedImageTokens, imageRoles == expectedImageTokens else {
            throw SamplePreparationError(sampleID: sampleID, reason:
                "expected \(expectedImageTokens) image tokens (id \(imageTokenID)), the tokenizer produced \(imageIDs) (\(imageRoles) by role)")
        }
        for (i, id) in ids.enumerated() where (id == imageTokenID) != (roles[i] == .image) {
            throw SamplePreparationError(sampleID: sampleID, reason: "token \(i): image token id and image role disagree")
        }
        return (ids, roles)
    }
}

import Foundation

/// Why a LLaVA stage could not be built or run.
public enum LlavaError: Error, Sendable, Equatable, CustomStringConvertible {
    case layerRangeOutOfBounds(requested: Range<Int>, numLayers: Int)
    case missingInput(String)
    case tokenOutOfVocabulary(position: Int, id: Int, vocabSize: Int)
    case imageTokenMismatch(imageTokens: Int, imageFeatures: Int)
    case pixelShape(expected: [Int], actual: [Int])
    case hiddenShape(expected: Int, actual: [Int])
    case tapOutsideStage(layer: Int, stage: Range<Int>)
    case unsupported(String)

    public var description: String {
        switch self {
        case let .layerRangeOutOfBounds(r, n): return "layers \(r) outside the model's 0..<\(n)"
        case let .missingInput(s): return "stage input is missing \(s)"
        case let .tokenOutOfVocabulary(p, id, v): return "input_ids[\(p)] = \(id) is outside the vocabulary of \(v)"
        case let .imageTokenMismatch(t, f):
            return "prompt has \(t) image tokens but the images produce \(f) image features"
        case let .pixelShape(e, a): return "pixel_values shape \(a), expected [n_images] + \(e)"
        case let .hiddenShape(e, a): return "hidden states shape \(a), expected [tokens, \(e)]"
        case let .tapOutsideStage(l, r): return "key tap at layer \(l) is outside this stage's layers \(r)"
        case let .unsupported(s): return "unsupported: \(s)"
        }
    }
}

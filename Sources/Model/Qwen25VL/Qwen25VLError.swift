import Foundation

/// Why a Qwen2.5-VL stage could not be built or run.
public enum Qwen25VLError: Error, Sendable, Equatable, CustomStringConvertible {
    case layerRangeOutOfBounds(requested: Range<Int>, numLayers: Int)
    case missingInput(String)
    case tokenOutOfVocabulary(position: Int, id: Int, vocabSize: Int)
    case imageTokenMismatch(imageTokens: Int, imageFeatures: Int)
    case pixelShape(expected: [Int], actual: [Int])
    case badGrid(image: Int, grid: Qwen25VLImageGrid, reason: String)
    case hiddenShape(expected: Int, actual: [Int])
    case positionsMismatch(tokens: Int, positions: Int)
    case tapOutsideStage(layer: Int, stage: Range<Int>)
    case unsupported(String)

    public var description: String {
        switch self {
        case let .layerRangeOutOfBounds(r, n): return "layers \(r) outside the model's 0..<\(n)"
        case let .missingInput(s): return "stage input is missing \(s)"
        case let .tokenOutOfVocabulary(p, id, v): return "input_ids[\(p)] = \(id) is outside the vocabulary of \(v)"
        case let .imageTokenMismatch(t, f):
            return "prompt has \(t) <|image_pad|> tokens but image_grid_thw gives \(f) image features"
        case let .pixelShape(e, a): return "pixel_values shape \(a), expected \(e)"
        case let .badGrid(i, g, r): return "image_grid_thw[\(i)] = \(g): \(r)"
        case let .hiddenShape(e, a): return "hidden states shape \(a), expected [tokens, \(e)]"
        case let .positionsMismatch(t, p): return "\(t) hidden-state rows but \(p) positions"
        case let .tapOutsideStage(l, r): return "key tap at layer \(l) is outside this stage's layers \(r)"
        case let .unsupported(s): return "unsupported: \(s)"
        }
    }
}

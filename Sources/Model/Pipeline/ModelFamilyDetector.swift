import Foundation

/// Reads `model_type` from a checkpoint's `config.json` to pick the family.
public enum ModelFamilyDetector {
    public static func detect(directory: URL) throws(ModelDirectoryError) -> ModelFamily {
        let url = directory.appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: url.path) else { throw .unreadableConfig(path: url.path) }
        let type = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["model_type"] as? String
        switch type {
        case "llava": return .llava
        case "qwen2_5_vl": return .qwen25vl
        default: throw .unsupportedModelType(path: url.path, modelType: type)
        }
    }
}

public enum ModelDirectoryError: Error, CustomStringConvertible, Equatable {
    case unreadableConfig(path: String)
    case unsupportedModelType(path: String, modelType: String?)
    public var description: String {
        switch self {
        case .unreadableConfig(let p): return "\(p): cannot read config.json (is this a Hugging Face model directory?)"
        case .unsupportedModelType(let p, let t):
            return "\(p): model_type \(t.map { "\"\($0)\"" } ?? "missing") is not supported (expected \"llava\" or \"qwen2_5_vl\")"
        }
    }
}

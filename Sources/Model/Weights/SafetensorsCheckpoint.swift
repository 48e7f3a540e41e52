import Foundation
import Math

/// A Hugging Face checkpoint directory: `model.safetensors.index.json` + shards, one
/// `model.safetensors`, or (failing both) every `*.safetensors` file in the directory.
///
/// Shards are opened (mapped, header-validated) only when one of their tensors is first requested,
/// so a pipeline stage holding layers 20–31 never maps the shard holding the vision tower.
public final class SafetensorsCheckpoint: @unchecked Sendable {
    // @unchecked: `opened` is guarded by `lock`; everything else is immutable.
    public let directory: URL
    /// Tensor name → shard file name.
    public let weightMap: [String: String]
    private let lock = NSLock()
    private var opened: [String: SafetensorsFile] = [:]

    public static let indexFileName = "model.safetensors.index.json"

    public init(directory: URL) throws {
        self.directory = directory
        let fm = FileManager.default
        let index = directory.appendingPathComponent(Self.indexFileName)
        if fm.fileExists(atPath: index.path) {
            weightMap = try Self.readIndex(index)
            for shard in Set(weightMap.values) where !fm.fileExists(atPath: directory.appendingPathComponent(shard).path) {
                let tensor = weightMap.first { $0.value == shard }.map(\.key) ?? "?"
                throw SafetensorsError.missingShard(file: shard, tensor: tensor)
            }
            return
        }
        let single = directory.appendingPathComponent("model.safetensors")
        let files: [String]
        if fm.fileExists(atPath: single.path) {
            files = ["model.safetensors"]
        } else {
            let all = (try? fm.contentsOfDirectory(atPath: directory.path)) ?? []
            files = all.filter { $0.hasSuffix(".safetensors") }.sorted()
            guard !files.isEmpty else {
                throw SafetensorsError.cannotOpen(file: directory.path, reason: "no *.safetensors and no \(Self.indexFileName)")
            }
        }
        var map: [String: String] = [:]
        for f in files {
            let file = try SafetensorsFile(url: directory.appendingPathComponent(f))
            opened[f] = file
            for n in file.header.entries.keys { map[n] = f }
        }
        weightMap = map
    }

    /// Wraps one already-open file (tests, single-file tools).
    public init(file: SafetensorsFile) {
        directory = file.url.deletingLastPathComponent()
        let f = file.url.lastPathComponent
        weightMap = Dictionary(uniqueKeysWithValues: file.header.entries.keys.map { ($0, f) })
        opened[f] = file
    }

    private static func readIndex(_ url: URL) throws -> [String: String] {
        let name = url.lastPathComponent
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SafetensorsError.cannotOpen(file: name, reason: error.localizedDescription)
        }
        guard let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SafetensorsError.badIndex(file: name, reason: "not a JSON object")
        }
        guard let map = obj["weight_map"] as? [String: Any] else {
            throw SafetensorsError.badIndex(file: name, reason: "missing object 'weight_map'")
        }
        var out: [String: String] = [:]
        for (k, v) in map {
            guard let s = v as? String, !s.contains("/"), s.hasSuffix(".safetensors") else {
                throw SafetensorsError.badIndex(file: name, reason: "weight_map['\(k)'] is not a shard file name")
            }
            out[k] = s
        }
        return out
    }

    public var names: Set<String> { Set(weightMap.keys) }
    public func contains(_ name: String) -> Bool { weightMap[name] != nil }

    /// The open shard holding `name`.
    public func file(for name: String) throws -> SafetensorsFile {
        guard let shard = weightMap[name] else {
            throw SafetensorsError.missingTensor(file: directory.lastPathComponent, tensor: name)
        }
        lock.lock(); defer { lock.unlock() }
        if let f = opened[shard] { return f }
        let f = try SafetensorsFile(url: directory.appendingPathComponent(shard))
        guard f.contains(name) else { throw SafetensorsError.missingTensor(file: shard, tensor: name) }
        opened[shard] = f
        return f
    }

    /// Shard files opened so far (what a stage actually mapped).
    public var openedFiles: [String] {
        lock.lock(); defer { lock.unlock() }
        return opened.keys.sorted()
    }

    /// A floating-point tensor as Float32, optionally checked against an expected shape.
    public func tensor(_ name: String, shape: [Int]? = nil) throws -> Tensor {
        let f = try file(for: name)
        let t = try f.tensor(name)
        if let shape, shape != t.shape {
            throw SafetensorsError.shapeMismatch(file: f.url.lastPathComponent, tensor: name, expected: shape, actual: t.shape)
        }
        return t
    }

    public func integers(_ name: String) throws -> (shape: [Int], values: [Int]) {
        try file(for: name).integers(name)
    }
}

// `sweep.json` (docs/sweep-format.md): a grid of `keyscope run`s, models × datasets × layer sets ×
// RoPE variants × text-token modes × seeds, with statistics options shared by every run.
//
// The definition is normalised on load (paths made absolute against the sweep file's folder, every
// option filled in), so two files that mean the same grid compare equal and a changed one can be
// described field by field.

import Foundation
import Math

public enum SweepDefinitionError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case notJSON(path: String, reason: String)
    case invalid(path: String, field: String, problem: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "sweep definition \(path): cannot read it (\(reason))"
        case let .notJSON(path, reason): "sweep definition \(path): not valid JSON (\(reason))"
        case let .invalid(path, field, problem): "sweep definition \(path): \(field): \(problem)"
        }
    }
}

/// Options every run of the sweep shares; names and defaults are those of `keyscope run`.
public struct SweepOptions: Codable, Sendable, Equatable {
    public var components = 32
    public var bins = 64
    public var groups = 32
    public var bootstrap = 1000
    public var permutations = 1000
    public var subsample = 2000
    public var calibrationSamples = 256
    public var threads = 1
    public var samplesPerUnit = 4
    /// Only affects the report's maps, not the statistics: not part of a run's identity.
    public var tsneLayers = "default"
    /// `--per-head`: every KV head analysed on its own as well.
    public var perHead = false

    public init() {}

    nonisolated(unsafe) static let intKeys: [(String, WritableKeyPath<SweepOptions, Int>, ClosedRange<Int>)] = [
        ("components", \.components, 1...4096), ("bins", \.bins, 2...65536), ("groups", \.groups, 2...100_000),
        ("bootstrap", \.bootstrap, 1...10_000_000), ("permutations", \.permutations, 1...10_000_000),
        ("subsample", \.subsample, 2...10_000_000), ("calibration_samples", \.calibrationSamples, 1...10_000_000),
        ("threads", \.threads, 1...1024), ("samples_per_unit", \.samplesPerUnit, 1...100_000),
    ]

    /// The part that changes results, in a fixed order (hashed into run ids).
    var identity: String {
        "r=\(components),B=\(bins),G=\(groups),R=\(bootstrap),P=\(permutations),k=\(subsample),C=\(calibrationSamples),"
            + "threads=\(threads),spu=\(samplesPerUnit)" + (perHead ? ",per_head" : "")
    }
}

/// One grid point: the arguments of one `keyscope run`.
public struct SweepPoint: Sendable, Equatable, Hashable {
    public var model: String
    public var dataset: String
    public var layers: String
    public var rope: String
    public var textTokens: String
    public var seed: UInt64

    /// Canonical text of the point; with the shared options, the input of the run id's hash.
    public var identity: String {
        "model=\(model)\ndataset=\(dataset)\nlayers=\(layers)\nrope=\(rope)\ntext_tokens=\(textTokens)\nseed=\(seed)"
    }

    /// Short human label for tables: "llava-1.5-tiny · L0 · both · all · seed 0".
    public var label: String {
        "\((model as NSString).lastPathComponent) · \((dataset as NSString).lastPathComponent) · layers \(layers) · \(rope) · text \(textTokens) · seed \(seed)"
    }
}

public struct SweepDefinition: Codable, Sendable, Equatable {
    public var name: String
    public var models: [String]
    public var datasets: [String]
    public var layers: [String]
    public var rope: [String]
    public var textTokens: [String]
    public var seeds: [UInt64]
    public var options: SweepOptions

    static let topKeys: Set<String> = ["name", "models", "datasets", "layers", "rope", "text_tokens", "seeds", "options", "comment"]

    /// Reads and validates `path`; relative model and dataset paths are taken from the file's folder.
    public static func load(_ path: String) throws(SweepDefinitionError) -> SweepDefinition {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        let base = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent().path
        return try parse(data, path: path, baseDirectory: base)
    }

    public static func parse(_ data: Data, path: String, baseDirectory: String) throws(SweepDefinitionError) -> SweepDefinition {
        let json: SweepJSON
        do { json = try JSONDecoder().decode(SweepJSON.self, from: data) } catch {
            throw .notJSON(path: path, reason: Self.describe(error))
        }
        guard case .object(let o) = json else { throw .invalid(path: path, field: "(top level)", problem: "must be a JSON object") }
        func bad(_ field: String, _ problem: String) -> SweepDefinitionError { .invalid(path: path, field: field, problem: problem) }
        if let unknown = o.keys.filter({ !topKeys.contains($0) }).sorted().first {
            throw bad(unknown, "unknown field; expected one of \(topKeys.sorted().joined(separator: ", "))")
        }
        func strings(_ key: String, default def: [String]?, allowed: Set<String>? = nil) throws(SweepDefinitionError) -> [String] {
            guard let v = o[key] else {
                if let def { return def }
                throw bad(key, "required (a non-empty list of strings)")
            }
            guard case .array(let list) = v, !list.isEmpty else { throw bad(key, "must be a non-empty list of strings") }
            var out: [String] = []
            for (i, e) in list.enumerated() {
                guard case .string(let s) = e, !s.isEmpty else { throw bad("\(key)[\(i)]", "must be a non-empty string") }
                if let allowed, !allowed.contains(s) { throw bad("\(key)[\(i)]", "\"\(s)\" is not one of \(allowed.sorted().joined(separator: ", "))") }
                guard !out.contains(s) else { throw bad("\(key)[\(i)]", "\"\(s)\" is listed twice") }
                out.append(s)
            }
            return out
        }
        guard case .string(let name)? = o["name"] else { throw bad("name", "required (a string)") }
        guard isValidName(name) else { throw bad("name", "\"\(name)\": use letters, digits, '.', '_' or '-' (not starting with '.'), at most 64") }
        func absolute(_ p: String) -> String {
            (p.hasPrefix("/") ? URL(fileURLWithPath: p) : URL(fileURLWithPath: base(baseDirectory) + "/" + p)).standardizedFileURL.path
        }
        let models = try strings("models", default: nil).map(absolute)
        let datasets = try strings("datasets", default: nil).map(absolute)
        let layers = try strings("layers", default: ["all"])
        for (i, l) in layers.enumerated() where !isLayerSpec(l) {
            throw bad("layers[\(i)]", "\"\(l)\": expected all, a list like 0,4,8 or a range like 0-3")
        }
        let rope = try strings("rope", default: ["both"], allowed: ["pre", "post", "both"])
        let textTokens = try strings("text_tokens", default: ["all"], allowed: ["all", "prompt"])
        var seeds: [UInt64] = [0]
        if let v = o["seeds"] {
            guard case .array(let list) = v, !list.isEmpty else { throw bad("seeds", "must be a non-empty list of integers ≥ 0") }
            seeds = []
            for (i, e) in list.enumerated() {
                guard case .int(let n) = e, let s = UInt64(exactly: n) else {
                    throw bad("seeds[\(i)]", "must be an integer ≥ 0")
                }
                guard !seeds.contains(s) else { throw bad("seeds[\(i)]", "\(s) is listed twice") }
                seeds.append(s)
            }
        }
        var options = SweepOptions()
        if let v = o["options"] {
            guard case .object(let opts) = v else { throw bad("options", "must be an object") }
            let known = Set(SweepOptions.intKeys.map(\.0) + ["tsne_layers", "per_head"])
            if let unknown = opts.keys.filter({ !known.contains($0) }).sorted().first {
                throw bad("options.\(unknown)", "unknown option; expected one of \(known.sorted().joined(separator: ", "))")
            }
            for (key, path, range) in SweepOptions.intKeys {
                guard let raw = opts[key] else { continue }
                guard case .int(let n) = raw, let i = Int(exactly: n) else {
                    throw bad("options.\(key)", "must be an integer")
                }
                guard range.contains(i) else { throw bad("options.\(key)", "\(i) is outside \(range.lowerBound)…\(range.upperBound)") }
                options[keyPath: path] = i
            }
            if let t = opts["tsne_layers"] {
                guard case .string(let s) = t, s == "none" || s == "all" || s == "default" || isLayerSpec(s) else {
                    throw bad("options.tsne_layers", "must be none, all, default or a list like 0,8")
                }
                options.tsneLayers = s
            }
            if let p = opts["per_head"] {
                guard case .bool(let b) = p else { throw bad("options.per_head", "must be true or false") }
                options.perHead = b
            }
        }
        return SweepDefinition(name: name, models: models, datasets: datasets, layers: layers, rope: rope,
                               textTokens: textTokens, seeds: seeds, options: options)
    }

    private static func describe(_ error: Error) -> String {
        if case DecodingError.dataCorrupted(let c) = error {
            return (c.underlyingError as NSError?)?.userInfo["NSDebugDescription"] as? String ?? c.debugDescription
        }
        return "\(error)"
    }

    private static func base(_ dir: String) -> String { dir.hasSuffix("/") ? String(dir.dropLast()) : dir }

    static func isValidName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first != ".", s.utf8.count <= 64 else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
    }

    static func isLayerSpec(_ s: String) -> Bool {
        if s == "all" { return true }
        return !s.isEmpty && s.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { part in
            let r = part.split(separator: "-", omittingEmptySubsequences: false)
            return (1...2).contains(r.count) && r.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
        }
    }

    /// Every grid point in a fixed order (models outermost, seeds innermost).
    public var points: [SweepPoint] {
        var out: [SweepPoint] = []
        for m in models { for d in datasets { for l in layers { for r in rope { for t in textTokens { for s in seeds {
            out.append(SweepPoint(model: m, dataset: d, layers: l, rope: r, textTokens: t, seed: s))
        } } } } } }
        return out
    }

    /// `<model>-<dataset>-<hash>`: the same grid point always gets the same run directory, whatever
    /// else the grid holds, so a re-run finds it; the hash covers every option that changes results.
    public func runID(for p: SweepPoint) -> String {
        func slug(_ path: String, dropExtension: Bool) -> String {
            let name = (path as NSString).lastPathComponent
            let base = dropExtension ? (name as NSString).deletingPathExtension : name
            let kept = base.unicodeScalars.map { $0.isASCII && CharacterSet.alphanumerics.contains($0) || $0 == "." || $0 == "-" ? Character($0) : "_" }
            return String(String(kept).prefix(24))
        }
        let hash = XXH64.hash(p.identity + "\n" + options.identity)
        return "\(slug(p.model, dropExtension: false))-\(slug(p.dataset, dropExtension: true))-\(String(hash, radix: 16).leftPadded(to: 16).prefix(8))"
    }

    /// What differs from `old`, one line per change; empty when the definitions are equal.
    public func changes(since old: SweepDefinition) -> [String] {
        var out: [String] = []
        func list<T: CustomStringConvertible & Equatable>(_ field: String, _ a: [T], _ b: [T]) {
            let added = b.filter { !a.contains($0) }, removed = a.filter { !b.contains($0) }
            if !added.isEmpty { out.append("\(field): added \(added.map(\.description).joined(separator: ", "))") }
            if !removed.isEmpty { out.append("\(field): removed \(removed.map(\.description).joined(separator: ", "))") }
            if added.isEmpty && removed.isEmpty && a != b { out.append("\(field): reordered") }
        }
        list("models", old.models, models); list("datasets", old.datasets, datasets); list("layers", old.layers, layers)
        list("rope", old.rope, rope); list("text_tokens", old.textTokens, textTokens); list("seeds", old.seeds, seeds)
        for (key, path, _) in SweepOptions.intKeys where old.options[keyPath: path] != options[keyPath: path] {
            out.append("options.\(key): \(old.options[keyPath: path]) → \(options[keyPath: path])")
        }
        if old.options.perHead != options.perHead { out.append("options.per_head: \(old.options.perHead) → \(options.perHead)") }
        if old.options.tsneLayers != options.tsneLayers { out.append("options.tsne_layers: \(old.options.tsneLayers) → \(options.tsneLayers)") }
        return out
    }

    public func jsonData() throws -> Data {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try e.encode(self)
    }

    public static func decodeFrozen(_ data: Data) throws -> SweepDefinition {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return try d.decode(SweepDefinition.self, from: data)
    }
}

extension String {
    func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}


/// The JSON values a sweep definition may hold; decoding keeps booleans, integers and strings apart
/// so `"seeds": [true]` or `"bins": "64"` are refused instead of coerced.
enum SweepJSON: Decodable {
    case null, bool(Bool), int(Int64), double(Double), string(String), array([SweepJSON]), object([String: SweepJSON])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([SweepJSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: SweepJSON].self)) }
    }
}

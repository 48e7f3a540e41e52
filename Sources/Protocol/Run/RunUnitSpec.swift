import Foundation
import Math

/// Everything a worker needs to compute one unit, carried in `Assign.spec` as JSON (sorted keys).
///
/// Self-contained on purpose: a worker that joins late, or a retry on another host, needs nothing but
/// this and the shared files it names (model directory, dataset, calibration file).
public struct RunUnitSpec: Codable, Sendable, Equatable {
    public enum Phase: String, Codable, Sendable { case calibration, main }

    public var runID: String
    public var unitID: Int
    public var phase: Phase
    /// Model directory (Hugging Face layout) as the worker sees it.
    public var modelPath: String
    /// Dataset file (JSONL, LLaVA JSON or MMBench TSV).
    public var dataPath: String
    /// Sample ids of this unit, in canonical order.
    public var sampleIDs: [String]
    /// Decoder layers whose keys are analysed.
    public var layers: [Int]
    public var variants: [RopeVariant]
    public var statistics: StatisticsOptions
    /// BLAS threads: pinned per run because OpenBLAS results depend on the thread count in the last bits.
    public var threads: Int
    /// `all` (every non-image token is text) or `prompt` (only the user's question tokens count as text).
    public var textTokens: String
    /// Per-head analysis (`--per-head`): each layer's keys `[T, H·d]` are also split into this many KV-head
    /// blocks `[T, d]`, each analysed as its own entry `<variant>/<layer>/h<head>`. nil: whole layers only
    /// (and the spec's JSON is then what it was before this field existed).
    public var keyHeads: Int?
    /// Phase 2 only: the merged calibration and its XXH64, checked before use.
    public var calibrationPath: String?
    public var calibrationFingerprint: UInt64?

    public init(runID: String, unitID: Int, phase: Phase, modelPath: String, dataPath: String, sampleIDs: [String],
                layers: [Int], variants: [RopeVariant], statistics: StatisticsOptions, threads: Int,
                textTokens: String = "all", keyHeads: Int? = nil, calibrationPath: String? = nil,
                calibrationFingerprint: UInt64? = nil) {
        self.runID = runID; self.unitID = unitID; self.phase = phase; self.modelPath = modelPath
        self.dataPath = dataPath; self.sampleIDs = sampleIDs; self.layers = layers; self.variants = variants
        self.statistics = statistics; self.threads = threads; self.textTokens = textTokens; self.keyHeads = keyHeads
        self.calibrationPath = calibrationPath; self.calibrationFingerprint = calibrationFingerprint
    }

    public func encoded() -> [UInt8] {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return Array((try? enc.encode(self)) ?? Data())
    }

    public static func decode(_ bytes: [UInt8]) throws -> RunUnitSpec {
        do { return try JSONDecoder().decode(RunUnitSpec.self, from: Data(bytes)) } catch {
            throw RunUnitSpecError.malformed("unit spec: \(error)")
        }
    }

    /// Name of the accumulator entry for (variant, layer) in a result pack.
    public static func entryName(_ variant: RopeVariant, layer: Int) -> String { "\(variant.rawValue)/\(layer)" }

    /// Name of the accumulator entry for one KV head of (variant, layer).
    public static func entryName(_ variant: RopeVariant, layer: Int, head: Int) -> String {
        "\(variant.rawValue)/\(layer)/h\(head)"
    }
}

public enum RunUnitSpecError: Error, CustomStringConvertible {
    case malformed(String)
    public var description: String { switch self { case .malformed(let m): return m } }
}

/// A sample a worker could not use (undecodable image, template rejection, too many tokens):
/// deterministic, so it is excluded and listed in the report rather than failing its unit.
public struct ExcludedSample: Codable, Sendable, Equatable {
    public var sampleID: String
    public var reason: String
    public init(sampleID: String, reason: String) { self.sampleID = sampleID; self.reason = reason }
}

/// The result of one unit: an accumulator per (variant, layer) plus excluded samples, as a `BlobPack`
/// with entries `"<variant>/<layer>"` and `"excluded"` (JSON list of `ExcludedSample`).
public struct UnitOutcome: Sendable, Equatable {
    public var accumulators: [String: [UInt8]]
    public var excluded: [ExcludedSample]
    public var tokens: Int

    public init(accumulators: [String: [UInt8]], excluded: [ExcludedSample], tokens: Int) {
        self.accumulators = accumulators; self.excluded = excluded; self.tokens = tokens
    }

    public func encoded() -> [UInt8] {
        var entries: [(name: String, bytes: [UInt8])] = accumulators.keys.sorted().map { ($0, accumulators[$0]!) }
        let enc = JSONEncoder(); enc.outputFormatting = [.sortedKeys]
        entries.append(("excluded", Array((try? enc.encode(excluded)) ?? Data("[]".utf8))))
        entries.append(("tokens", Array(String(tokens).utf8)))
        return BlobPack(entries).encoded()
    }

    public init(decoding bytes: [UInt8], what: String) throws {
        let pack = try BlobPack(decoding: bytes, what: what)
        var acc: [String: [UInt8]] = [:]
        var excluded: [ExcludedSample] = []
        var tokens = 0
        for e in pack.entries {
            switch e.name {
            case "excluded": excluded = try JSONDecoder().decode([ExcludedSample].self, from: Data(e.bytes))
            case "tokens": tokens = Int(String(decoding: e.bytes, as: UTF8.self)) ?? 0
            default: acc[e.name] = e.bytes
            }
        }
        self.init(accumulators: acc, excluded: excluded, tokens: tokens)
    }
}

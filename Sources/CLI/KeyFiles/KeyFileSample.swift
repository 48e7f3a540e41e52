import Foundation
import Math
import Model
import Worker

/// One sample's key file: tensors `pre/<layer>` and `post/<layer>` (F32 `[T, D]`), `modality` and
/// `question_mask` (integers `[T]`: 1 = image / question token). Keys are stored in Float32 as
/// computed, so reading them back gives the provider's tensors bit for bit.
public enum KeyFileSample {
    public static func tensorName(_ variant: RopeVariant, layer: Int) -> String { "\(variant.rawValue)/\(layer)" }

    /// Serialises `keys` (the variants and layers it holds) to `url`.
    public static func write(_ keys: SampleKeys, sampleID: String, to url: URL) throws {
        var w = SafetensorsWriter()
        w.metadata = ["format": "keyscope-keys", "sample_id": sampleID]
        let t = keys.modality.count
        // SafetensorsWriter writes integers as I64; readers accept any integer dtype (the format allows U8).
        w.add("modality", int64s: keys.modality.map { Int($0.rawValue) }, shape: [t])
        w.add("question_mask", int64s: keys.isQuestion.map { $0 ? 1 : 0 }, shape: [t])
        for v in keys.keys.keys.sorted() {
            for (layer, k) in keys.keys[v]!.sorted(by: { $0.key < $1.key }) {
                w.add(tensorName(v, layer: layer), k, as: .f32)
            }
        }
        try w.write(to: url)
    }

    /// Reads the requested variants and layers back, checking shapes against the metadata.
    public static func read(_ url: URL, layers: [Int], variants: [RopeVariant], keyDim: Int) throws -> SampleKeys {
        let f: SafetensorsFile
        do { f = try SafetensorsFile(url: url) } catch { throw KeyFileError.badSampleFile(file: url.path, reason: "\(error)") }
        do {
            let (mShape, m) = try f.integers("modality")
            let (qShape, q) = try f.integers("question_mask")
            guard mShape == [m.count], qShape == [m.count] else {
                throw KeyFileError.badSampleFile(file: url.path, reason: "modality \(mShape) and question_mask \(qShape) must both be [T]")
            }
            guard m.allSatisfy({ $0 == 0 || $0 == 1 }), q.allSatisfy({ $0 == 0 || $0 == 1 }) else {
                throw KeyFileError.badSampleFile(file: url.path, reason: "modality and question_mask must hold 0 or 1")
            }
            var keys: [RopeVariant: [Int: Tensor]] = [:]
            for v in variants {
                for l in layers {
                    let name = tensorName(v, layer: l)
                    guard f.contains(name) else {
                        throw KeyFileError.badSampleFile(file: url.path, reason: "no tensor \(name)")
                    }
                    let k = try f.tensor(name)
                    guard k.shape == [m.count, keyDim] else {
                        throw KeyFileError.badSampleFile(file: url.path, reason: "\(name) has shape \(k.shape), expected [\(m.count), \(keyDim)]")
                    }
                    keys[v, default: [:]][l] = k
                }
            }
            return SampleKeys(modality: m.map { $0 == 1 ? .image : .text }, isQuestion: q.map { $0 == 1 }, keys: keys)
        } catch let e as KeyFileError { throw e } catch {
            throw KeyFileError.badSampleFile(file: url.path, reason: "\(error)")
        }
    }
}

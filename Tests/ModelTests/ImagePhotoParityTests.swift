import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Math
import Testing
@testable import Model

/// Pillow parity on the 24 real photographs of demo/images, read in place (they are part of the
/// repository). Fixtures/images/photos.json holds, per photo, the checksum of Pillow's
/// `convert("RGB")`, of bicubic resizes to several sizes, and of the three processors' outputs,
/// each with a few strided samples so a failure says how far off it is, not just that it is.
@Suite("Real photos: decode, bicubic resize and processors bit-identical to Pillow / transformers")
struct ImagePhotoParityTests {
    static let demoDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../demo/images").standardizedFileURL

    nonisolated(unsafe) static let root: [String: Any] = {
        let data = try! Data(contentsOf: ImageFixtures.url("photos.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()
    /// The demo photos, by bare file name in demo/images.
    nonisolated(unsafe) static let photos = root["photos"] as! [[String: Any]]
    /// Four of them re-encoded (progressive, 4:2:2, 4:4:4, odd sizes, restarts), as `photos/NAME` fixtures.
    nonisolated(unsafe) static let reencoded = root["reencoded"] as! [[String: Any]]

    static let names = photos.map { $0["file"] as! String }
    static let allNames = names + reencoded.map { $0["file"] as! String }

    static func entry(_ name: String) -> [String: Any] { (photos + reencoded).first { $0["file"] as! String == name }! }

    static func url(_ name: String) -> URL {
        name.hasPrefix("photos/") ? ImageFixtures.url(name) : demoDir.appendingPathComponent(name)
    }

    static func load(_ name: String) throws -> Image { try Image.load(url: url(name), alpha: .drop) }

    /// "k of n strided samples differ, max |Δ| d" for a checksum mismatch.
    static func sampleReport(_ values: [Double], entry: [String: Any]) -> String {
        let stride = entry["stride"] as! Int
        let expected = entry["samples"] as! [Double]
        var differ = 0, worst = 0.0, first = ""
        for (k, e) in expected.enumerated() where k * stride < values.count {
            let d = abs(values[k * stride] - e)
            if d > 0 {
                if differ == 0 { first = " (first at index \(k * stride): ours \(values[k * stride]), Pillow \(e))" }
                differ += 1
                worst = max(worst, d)
            }
        }
        return "\(differ) of \(expected.count) strided samples differ, max |Δ| \(worst)\(first)"
    }

    @Test("the set covers ≥ 20 photos, sizes from 160 to 400 px, and ≥ 5 target sizes each")
    func coverage() {
        #expect(Self.photos.count >= 20)
        let sides = Self.photos.flatMap { [$0["width"] as! Int, $0["height"] as! Int] }
        #expect(sides.min()! <= 200 && sides.max()! >= 400)
        for p in Self.photos {
            let w = p["width"] as! Int, h = p["height"] as! Int
            let targets = (p["resize"] as! [[String: Any]]).map { ($0["width"] as! Int, $0["height"] as! Int) }
            #expect(targets.count >= 5, "\(p["file"]!)")
            #expect(targets.contains { $0.0 > w && $0.1 > h }, "\(p["file"]!): no up-scale")
            #expect(targets.contains { $0.0 * 4 < w && $0.1 * 2 < h }, "\(p["file"]!): no strong down-scale")
        }
    }

    @Test("re-encoded photos cover progressive, 4:2:2, 4:4:4, odd sizes and restart markers")
    func reencodedCoverage() {
        let encodings = Self.reencoded.map { $0["encoding"] as! String }.joined(separator: "; ")
        for feature in ["progressive=True", "subsampling=0", "subsampling=1", "subsampling=2", "restart_marker_rows"] {
            #expect(encodings.contains(feature), "\(feature) missing from \(encodings)")
        }
        #expect(Self.reencoded.contains { ($0["width"] as! Int) % 2 == 1 && ($0["height"] as! Int) % 2 == 1 })
    }

    @Test("decode → convert(\"RGB\") is byte-identical to Pillow", arguments: allNames)
    func decode(name: String) throws {
        let e = Self.entry(name)
        let image = try Self.load(name)
        #expect(image.width == e["width"] as! Int && image.height == e["height"] as! Int)
        let ok = ImageFixtures.wsum(image.pixels) == ImageFixtures.uint64(e["rgb_wsum"])
        let how = e["encoding"].map { ", \($0)" } ?? ""
        #expect(ok, "\(name) (\(e["mode"] as! String)\(how)): decoded pixels differ from Pillow: \(Self.sampleReport(image.pixels.map(Double.init), entry: e))")
    }

    @Test("bicubic resize to every target size is bit-identical to Pillow", arguments: allNames)
    func resize(name: String) throws {
        let e = Self.entry(name)
        let image = try Self.load(name)
        for r in e["resize"] as! [[String: Any]] {
            let w = r["width"] as! Int, h = r["height"] as! Int
            let out = try image.resized(width: w, height: h, filter: .bicubic)
            let ok = ImageFixtures.wsum(out.pixels) == ImageFixtures.uint64(r["wsum"])
            #expect(ok, "\(name) \(image.width)x\(image.height) -> \(w)x\(h) (\(r["case"] as! String)): \(Self.sampleReport(out.pixels.map(Double.init), entry: r))")
        }
    }

    static let clipConfig = try! CLIPImageProcessor.Config.load(url: ImageFixtures.url("processor/llava_preprocessor_config.json"))
    static let qwenConfig = try! Qwen2VLImageProcessor.Config.load(url: ImageFixtures.url("processor/qwen_preprocessor_config.json"))

    @Test("CLIP, LLaVA-pad and Qwen2-VL processor outputs are bit-identical to transformers", arguments: names)
    func processors(name: String) throws {
        let e = Self.entry(name)
        // The processors see transformers' convert_to_rgb input (no alpha in these JPEGs, so the same pixels).
        let image = try Image.load(url: Self.demoDir.appendingPathComponent(name))
        for p in e["processors"] as! [[String: Any]] {
            let variant = p["variant"] as! String
            let tensor: Tensor
            switch variant {
            case "clip", "llava_pad":
                var config = Self.clipConfig
                config.doPad = variant == "llava_pad"
                tensor = try CLIPImageProcessor(config: config).preprocess(image)
            case "qwen_hub":
                let (pv, grid) = try Qwen2VLImageProcessor(config: Self.qwenConfig).preprocess([image])
                #expect(grid == p["grid_thw"] as! [[Int]], "\(name) qwen_hub: image_grid_thw")
                tensor = pv
            default:
                Issue.record("unknown variant \(variant)"); continue
            }
            #expect(tensor.shape == p["shape"] as! [Int], "\(name) \(variant): shape")
            guard tensor.shape == p["shape"] as! [Int] else { continue }
            let ok = ImageFixtures.wsum(tensor.data) == ImageFixtures.uint64(p["wsum"])
            #expect(ok, "\(name) \(variant) \(tensor.shape): \(Self.sampleReport(tensor.data.map(Double.init), entry: p))")
        }
    }

    @Test("Fixtures/IMAGES.md names every fixture image (by name or glob) and every demo photo")
    func imagesLicenceList() throws {
        let text = try String(contentsOf: ImageFixtures.root.deletingLastPathComponent().appendingPathComponent("IMAGES.md"), encoding: .utf8)
        // Glob words such as `images/decode/pal*.png`, matched on the file name.
        let globs = text.split(whereSeparator: { " `,|()".contains($0) || $0.isNewline })
            .filter { $0.contains("*") }.map { String($0.split(separator: "/").last!) }
        var files: [String] = []
        for sub in ["decode", "resize", "processor", "corrupt", "photos"] {
            files += try FileManager.default.contentsOfDirectory(atPath: ImageFixtures.url(sub).path)
        }
        #expect(files.count >= 50)
        for f in files {
            let listed = text.contains(f) || globs.contains { fnmatch($0, f, 0) == 0 }
            #expect(listed, "\(f) has no source/licence entry in Fixtures/IMAGES.md")
        }
        for name in Self.names {
            let stem = String(name.dropLast(4))
            #expect(text.contains(stem), "demo photo \(name) is not in Fixtures/IMAGES.md")
        }
    }
}

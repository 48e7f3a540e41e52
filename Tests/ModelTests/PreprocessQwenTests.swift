import Foundation
import Testing
@testable import Model

@Suite("Qwen2VLImageProcessor (Qwen2.5-VL) matches transformers Qwen2VLImageProcessorPil")
struct PreprocessQwenTests {
    static let hub = try! Qwen2VLImageProcessor.Config.load(url: ImageFixtures.url("processor/qwen_preprocessor_config.json"))
    static let cases = ImageFixtures.entries("qwen").indices.map { $0 }

    @Test("the hub preprocessor_config.json loads with Qwen2.5-VL's settings")
    func configLoads() {
        let c = Self.hub
        #expect(c.minPixels == 3136 && c.maxPixels == 12845056)
        #expect(c.patchSize == 14 && c.temporalPatchSize == 2 && c.mergeSize == 2 && c.resample == 3)
        #expect(Qwen2VLImageProcessor(config: c).patchDimension == 1176)
    }

    @Test("smart_resize agrees with transformers on random geometries")
    func smartResize() {
        let rows = ImageFixtures.manifest["smart_resize"] as! [[Int]]
        #expect(rows.count > 100)
        for r in rows {
            let got = try? Qwen2VLImageProcessor.smartResize(height: r[0], width: r[1], factor: 28, minPixels: r[2], maxPixels: r[3])
            if r[4] < 0 {
                #expect(got == nil, "\(r): transformers raises")
            } else {
                #expect(got?.height == r[4] && got?.width == r[5], "\(r)")
            }
        }
    }

    @Test("pixel_values and image_grid_thw match transformers", arguments: cases)
    func pixelValues(index: Int) throws {
        let entry = ImageFixtures.entries("qwen")[index]
        var config = Self.hub
        config.minPixels = entry["min_pixels"] as! Int
        config.maxPixels = entry["max_pixels"] as! Int
        let files = entry["images"] as? [String] ?? [entry["image"] as! String]
        let images = try files.map { try ImageFixtures.load($0) }
        let (pv, grid) = try Qwen2VLImageProcessor(config: config).preprocess(images)
        let label = "\(entry["variant"] as! String) \(files)"
        #expect(grid == entry["grid_thw"] as! [[Int]], "\(label)")
        #expect(pv.shape == entry["shape"] as! [Int], "\(label)")
        #expect(pv.shape[0] == grid.reduce(0) { $0 + $1.reduce(1, *) })
        let processor = Qwen2VLImageProcessor(config: config)
        #expect(grid.allSatisfy { processor.imageTokenCount(gridTHW: $0) * 4 == $0.reduce(1, *) })
        let (n, err) = ImageFixtures.maxSampleError(pv.data, entry: entry)
        #expect(n > 100 && err <= 1e-6, "\(label): max |Δ| = \(err) over \(n) samples")
        #expect(ImageFixtures.wsum(pv.data) == ImageFixtures.uint64(entry["wsum"]), "\(label): not bit-identical")
    }

    @Test("extreme aspect ratios are typed errors naming the image")
    func aspect() {
        let img = Image(width: 201, height: 1, pixels: [UInt8](repeating: 0, count: 603), name: "strip.png")
        do {
            _ = try Qwen2VLImageProcessor(config: Self.hub).preprocess([img])
            Issue.record("201:1 accepted")
        } catch {
            #expect(error.file == "strip.png")
        }
    }
}

import Foundation
import Testing
@testable import Model

@Suite("CLIPImageProcessor (LLaVA-1.5) matches transformers CLIPImageProcessorPil")
struct PreprocessCLIPTests {
    static let config = try! CLIPImageProcessor.Config.load(url: ImageFixtures.url("processor/llava_preprocessor_config.json"))
    static let cases = ImageFixtures.entries("clip").map { "\($0["variant"] as! String):\($0["image"] as! String)" }

    @Test("the hub preprocessor_config.json loads with LLaVA-1.5's settings")
    func configLoads() {
        let c = Self.config
        #expect(c.shortestEdge == 336 && c.cropHeight == 336 && c.cropWidth == 336 && c.resample == 3)
        #expect(c.doResize && c.doCenterCrop && c.doRescale && c.doNormalize && !c.doPad)
        #expect(c.rescaleFactor == 0.00392156862745098)
        #expect(c.imageMean == [0.48145466, 0.4578275, 0.40821073])
        #expect(c.imageStd == [0.26862954, 0.26130258, 0.27577711])
        #expect(CLIPImageProcessor(config: c).imageTokenCount(patchSize: 14) == 576)
    }

    @Test("pixel_values are bit-identical (and within 1e-6) to transformers", arguments: cases)
    func pixelValues(key: String) throws {
        let entry = ImageFixtures.entries("clip").first { "\($0["variant"] as! String):\($0["image"] as! String)" == key }!
        var config = Self.config
        config.doPad = entry["variant"] as! String == "llava_pad"
        let image = try ImageFixtures.load(entry["image"] as! String)
        let t = try CLIPImageProcessor(config: config).preprocess(image)
        #expect(t.shape == entry["shape"] as! [Int])
        let (n, err) = ImageFixtures.maxSampleError(t.data, entry: entry)
        #expect(n > 100 && err <= 1e-6, "\(key): max |Δ| = \(err) over \(n) samples")
        #expect(ImageFixtures.wsum(t.data) == ImageFixtures.uint64(entry["wsum"]), "\(key): not bit-identical")
    }

    @Test("batch preprocess stacks [N, 3, 336, 336]")
    func batch() throws {
        let a = try ImageFixtures.load("decode/jpeg_gray.jpg"), b = try ImageFixtures.load("decode/rgb8.png")
        let p = CLIPImageProcessor(config: Self.config)
        let t = try p.preprocess([a, b])
        #expect(t.shape == [2, 3, 336, 336])
        #expect(Array(t.data[(3 * 336 * 336)...]) == (try p.preprocess(b)).data)
    }

    @Test("shortest-edge sizes follow get_resize_output_image_size")
    func shortestEdge() {
        #expect(CLIPImageProcessor.shortestEdgeSize(height: 480, width: 640, shortestEdge: 336) == (336, 448))
        #expect(CLIPImageProcessor.shortestEdgeSize(height: 260, width: 200, shortestEdge: 336) == (436, 336))
        #expect(CLIPImageProcessor.shortestEdgeSize(height: 13, width: 21, shortestEdge: 336) == (336, 542))
    }

    @Test("a bad config names the file and field")
    func badConfig() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clip-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("preprocessor_config.json")
        try Data(#"{"resample": 1, "size": {"shortest_edge": 336}}"#.utf8).write(to: url)
        #expect(throws: ProcessorConfigError.invalidField(file: url.path, field: "resample",
                                                           detail: "1 is not bilinear (2) or bicubic (3)")) {
            _ = try CLIPImageProcessor.Config.load(url: url)
        }
        try Data(#"{"image_mean": "x"}"#.utf8).write(to: url)
        do {
            _ = try CLIPImageProcessor.Config.load(url: url)
            Issue.record("bad image_mean accepted")
        } catch {
            guard case .invalidField(let file, let field, _) = error else { Issue.record("\(error)"); return }
            #expect(file == url.path && field == "image_mean")
        }
    }
}

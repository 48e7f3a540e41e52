import Foundation
import Testing
@testable import Model

@Suite("Pillow-exact resampling")
struct ImageResizeTests {
    @Test("BILINEAR and BICUBIC resize are bit-identical to Pillow on every fixture geometry")
    func resizeMatchesPillow() throws {
        var sources: [String: Image] = [:]
        var mismatches: [String] = []
        let entries = ImageFixtures.entries("resize")
        for e in entries {
            let name = e["source"] as! String
            let src = try sources[name] ?? ImageFixtures.load(name)
            sources[name] = src
            let w = e["width"] as! Int, h = e["height"] as! Int
            let filter = Image.Filter(rawValue: Int32(e["filter"] as! Int))!
            let out = try src.resized(width: w, height: h, filter: filter)
            #expect(out.width == w && out.height == h)
            if let pixels = e["pixels"] as? [Int] {
                #expect(out.pixels.map(Int.init) == pixels, "\(name) -> \(w)x\(h) \(filter)")
            }
            if ImageFixtures.wsum(out.pixels) != ImageFixtures.uint64(e["wsum"]) {
                mismatches.append("\(name) \(src.width)x\(src.height) -> \(w)x\(h) \(filter)")
            }
        }
        #expect(entries.count > 200)
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(entries.count) differ: \(mismatches.prefix(10))")
    }

    @Test("invalid target sizes are typed errors naming the image")
    func invalidSize() throws {
        let img = Image(width: 2, height: 2, pixels: [UInt8](repeating: 9, count: 12), name: "tiny.png")
        #expect(throws: ImageError.invalidGeometry(file: "tiny.png", detail: "resize to 0x3")) {
            _ = try img.resized(width: 0, height: 3)
        }
        #expect(try img.resized(width: 2, height: 2) == img)
    }
}

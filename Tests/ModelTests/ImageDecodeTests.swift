import Foundation
import Testing
@testable import Model

@Suite("Image decoding matches Pillow 13")
struct ImageDecodeTests {
    static let cases = ImageFixtures.entries("decode").map { $0["file"] as! String }

    @Test("decode → convert(\"RGB\") and composite-on-white are byte-identical to Pillow", arguments: cases)
    func decodeMatchesPillow(file: String) throws {
        let entry = ImageFixtures.entries("decode").first { $0["file"] as! String == file }!
        let w = entry["width"] as! Int, h = entry["height"] as! Int
        let data = try Data(contentsOf: ImageFixtures.url(file))
        let dropped = try Image.decode(data: data, name: file, alpha: .drop)
        let composed = try Image.decode(data: data, name: file)
        #expect(dropped.width == w && dropped.height == h)
        if let sum = entry["rgb_wsum"] {
            #expect(ImageFixtures.wsum(dropped.pixels) == ImageFixtures.uint64(sum))
            return
        }
        let n = w * h * 3
        let rgbOffset = entry["rgb_offset"] as! Int
        let expected = Array(ImageFixtures.decodeExpected[rgbOffset..<(rgbOffset + n)])
        let diff = zip(dropped.pixels, expected).filter { $0 != $1 }.count
        #expect(diff == 0, "\(file): \(diff) of \(n) samples differ from Pillow convert(\"RGB\")")
        let compOffset = entry["composite_offset"] as? Int ?? rgbOffset
        let expectedComp = Array(ImageFixtures.decodeExpected[compOffset..<(compOffset + n)])
        let diffComp = zip(composed.pixels, expectedComp).filter { $0 != $1 }.count
        #expect(diffComp == 0, "\(file): \(diffComp) of \(n) samples differ from transformers convert_to_rgb")
    }

    static let corrupt = ImageFixtures.entries("corrupt").map { $0["file"] as! String }

    @Test("corrupt and truncated files throw a typed error naming the file", arguments: corrupt)
    func corruptFileFails(file: String) {
        let url = ImageFixtures.url(file)
        do {
            let image = try Image.load(url: url)
            Issue.record("\(file) decoded to \(image.width)x\(image.height); Pillow rejects it")
        } catch {
            #expect(error.file == url.path)
            switch error {
            case .corrupt, .unsupportedFormat: break
            default: Issue.record("\(file): unexpected error \(error)")
            }
            #expect(error.description.contains(url.path))
        }
    }

    @Test("the corrupt set covers at least 10 files, JPEG and PNG")
    func corruptSetSize() {
        #expect(Self.corrupt.count >= 10)
        #expect(Self.corrupt.filter { $0.hasSuffix(".jpg") }.count >= 5 && Self.corrupt.filter { $0.hasSuffix(".png") }.count >= 5)
    }

    @Test("a missing file is .unreadable, naming it")
    func missingFile() {
        let url = ImageFixtures.url("does/not/exist.png")
        do {
            _ = try Image.load(url: url)
            Issue.record("missing file loaded")
        } catch {
            guard case .unreadable(let file, _) = error else { Issue.record("\(error)"); return }
            #expect(file == url.path)
        }
    }

    @Test("decoded layouts follow the Pillow mode of each file")
    func layouts() throws {
        let expect: [String: DecodedImage.Layout] = [
            "decode/jpeg_gray.jpg": .gray, "decode/jpeg_cmyk.jpg": .cmyk, "decode/ga16.png": .grayAlpha,
            "decode/pal8_trns.png": .rgba, "decode/pal8.png": .rgb, "decode/rgb8_trns.png": .rgba,
            "decode/gray16.png": .gray, "decode/rgba16_adam7.png": .rgba, "decode/gray8_trns.png": .grayAlpha,
            "decode/gray16_trns.png": .grayAlpha, "decode/jpeg_ycck.jpg": .cmyk,
        ]
        for (file, layout) in expect {
            let d = try DecodedImage.decode(data: Data(contentsOf: ImageFixtures.url(file)), name: file)
            #expect(d.layout == layout, "\(file)")
        }
    }
}

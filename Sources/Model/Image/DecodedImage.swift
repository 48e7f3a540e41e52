import CImageSupport
import Foundation

/// Pixels as the decoder produced them, before reduction to RGB — the Pillow mode of the file
/// ("L", "LA", "RGB", "RGBA", "CMYK"). Kept separate so alpha can be composited or dropped.
public struct DecodedImage: Sendable, Equatable {
    public enum Layout: Int, Sendable {
        case gray = 1, grayAlpha = 2, rgb = 3, rgba = 4, cmyk = 5

        public var channels: Int { self == .cmyk ? 4 : rawValue }
        var hasAlpha: Bool { self == .grayAlpha || self == .rgba }
    }

    public let width: Int
    public let height: Int
    public let layout: Layout
    /// Interleaved 8-bit samples, `layout.channels` per pixel.
    public let pixels: [UInt8]
    public let name: String

    /// Sniffs the signature and runs the matching C decoder.
    public static func decode(data: Data, name: String) throws(ImageError) -> DecodedImage {
        let bytes = [UInt8](data)
        let format: String
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF {
            format = "JPEG"
        } else if bytes.count >= 8, bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            format = "PNG"
        } else {
            throw .unsupportedFormat(file: name)
        }
        var image = ks_image()
        var message = [CChar](repeating: 0, count: 512)
        let rc = bytes.withUnsafeBufferPointer { buf in
            message.withUnsafeMutableBufferPointer { msg in
                format == "JPEG"
                    ? ks_decode_jpeg(buf.baseAddress, buf.count, &image, msg.baseAddress, msg.count)
                    : ks_decode_png(buf.baseAddress, buf.count, &image, msg.baseAddress, msg.count)
            }
        }
        guard rc == 0, let base = image.pixels else {
            let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw .corrupt(file: name, format: format, message: text)
        }
        defer { ks_image_free(base) }
        guard let layout = Layout(rawValue: Int(image.layout)), image.width > 0, image.height > 0 else {
            throw .corrupt(file: name, format: format, message: "decoder returned layout \(image.layout)")
        }
        let count = Int(image.width) * Int(image.height) * layout.channels
        return DecodedImage(width: Int(image.width), height: Int(image.height), layout: layout,
                            pixels: Array(UnsafeBufferPointer(start: base, count: count)), name: name)
    }

    /// Reduces to RGB exactly as Pillow does (`convert("RGB")`, or `alpha_composite` onto white
    /// followed by `convert("RGB")` for `.compositeOnWhite`).
    public func rgb(alpha: Image.AlphaHandling) -> Image {
        let n = width * height
        var out = [UInt8](repeating: 0, count: n * 3)
        let composite = alpha == .compositeOnWhite && layout.hasAlpha
        pixels.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                switch layout {
                case .gray:
                    for i in 0..<n { let v = p[i]; o[3 * i] = v; o[3 * i + 1] = v; o[3 * i + 2] = v }
                case .grayAlpha:
                    for i in 0..<n {
                        let v = composite ? Self.overWhite(p[2 * i], alpha: p[2 * i + 1]) : p[2 * i]
                        o[3 * i] = v; o[3 * i + 1] = v; o[3 * i + 2] = v
                    }
                case .rgb:
                    for i in 0..<(3 * n) { o[i] = p[i] }
                case .rgba:
                    for i in 0..<n {
                        let a = p[4 * i + 3]
                        for c in 0..<3 {
                            o[3 * i + c] = composite ? Self.overWhite(p[4 * i + c], alpha: a) : p[4 * i + c]
                        }
                    }
                case .cmyk:
                    for i in 0..<n {
                        let nk = 255 - Int(p[4 * i + 3])
                        for c in 0..<3 {
                            let t = Int(p[4 * i + c]) * nk + 128
                            let v = nk - (((t >> 8) + t) >> 8)
                            o[3 * i + c] = UInt8(clamping: v)
                        }
                    }
                }
            }
        }
        return Image(width: width, height: height, pixels: out, name: name)
    }

    /// Pillow's `ImagingAlphaComposite` (7-bit precision) of one sample over opaque white.
    @inline(__always)
    static func overWhite(_ value: UInt8, alpha: UInt8) -> UInt8 {
        if alpha == 0 { return 255 }
        let sa = UInt32(alpha)
        let outA255 = sa * 255 + 255 * (255 - sa)
        let coef1 = sa * 255 * 255 * 128 / outA255
        let coef2 = 255 * 128 - coef1
        let tmp = UInt32(value) * coef1 + 255 * coef2 + (0x80 << 7)
        return UInt8((((tmp >> 8) + tmp) >> 8) >> 7)
    }
}

import CImageSupport
import Foundation

/// An 8-bit RGB image, interleaved row-major (`pixels[(y * width + x) * 3 + c]`).
///
/// This is the form both vision processors start from: transformers converts every input with
/// `convert_to_rgb` before resizing, so nothing downstream needs other layouts.
public struct Image: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]
    /// File name used in error messages (the path, or a caller-chosen label for in-memory data).
    public var name: String

    public init(width: Int, height: Int, pixels: [UInt8], name: String = "<memory>") {
        precondition(width > 0 && height > 0 && pixels.count == width * height * 3,
                     "Image: \(width)x\(height) needs \(width * height * 3) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
        self.name = name
    }

    /// What to do with an alpha channel (or PNG transparency) when reducing to RGB.
    public enum AlphaHandling: Sendable {
        /// transformers' `convert_to_rgb`: alpha-composite onto opaque white (Pillow's
        /// `alpha_composite`), which is what LLaVA and Qwen2.5-VL processors see.
        case compositeOnWhite
        /// Pillow's `convert("RGB")`: alpha is dropped.
        case drop
    }

    /// Decodes JPEG or PNG bytes (sniffed from the signature, not the name).
    public static func decode(data: Data, name: String,
                              alpha: AlphaHandling = .compositeOnWhite) throws(ImageError) -> Image {
        let decoded = try DecodedImage.decode(data: data, name: name)
        return decoded.rgb(alpha: alpha)
    }

    /// Reads and decodes a file.
    public static func load(url: URL, alpha: AlphaHandling = .compositeOnWhite) throws(ImageError) -> Image {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadable(file: url.path, reason: error.localizedDescription)
        }
        return try decode(data: data, name: url.path, alpha: alpha)
    }

    /// Pillow resampling filters supported here.
    public enum Filter: Int32, Sendable {
        case bilinear = 2
        case bicubic = 3
    }

    /// Pillow's `Image.resize((width, height), resample: filter)`, bit for bit.
    public func resized(width newWidth: Int, height newHeight: Int,
                        filter: Filter = .bicubic) throws(ImageError) -> Image {
        guard newWidth > 0, newHeight > 0, newWidth < Int(Int32.max), newHeight < Int(Int32.max) else {
            throw .invalidGeometry(file: name, detail: "resize to \(newWidth)x\(newHeight)")
        }
        var out = [UInt8](repeating: 0, count: newWidth * newHeight * 3)
        let rc = pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                ks_resample(src.baseAddress, Int32(width), Int32(height), 3, dst.baseAddress,
                            Int32(newWidth), Int32(newHeight), filter.rawValue)
            }
        }
        guard rc == 0 else {
            throw .invalidGeometry(file: name, detail: "resampling \(width)x\(height) -> \(newWidth)x\(newHeight) failed")
        }
        return Image(width: newWidth, height: newHeight, pixels: out, name: name)
    }
}

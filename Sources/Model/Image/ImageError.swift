/// Failures of image decoding and preprocessing. Every case names the file (or the in-memory
/// name the caller gave) so a bad sample in a data set of thousands can be found at once.
public enum ImageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be read from disk.
    case unreadable(file: String, reason: String)
    /// The bytes are neither JPEG nor PNG.
    case unsupportedFormat(file: String)
    /// libjpeg / libpng rejected the data (corrupt, truncated, too large); `message` is theirs.
    case corrupt(file: String, format: String, message: String)
    /// A resize or crop was asked for an impossible geometry.
    case invalidGeometry(file: String, detail: String)

    public var file: String {
        switch self {
        case .unreadable(let f, _), .unsupportedFormat(let f), .corrupt(let f, _, _),
             .invalidGeometry(let f, _):
            return f
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let f, let r): return "\(f): cannot read image file: \(r)"
        case .unsupportedFormat(let f): return "\(f): not a JPEG or PNG image"
        case .corrupt(let f, let fmt, let m): return "\(f): corrupt \(fmt) image: \(m)"
        case .invalidGeometry(let f, let d): return "\(f): invalid image geometry: \(d)"
        }
    }
}

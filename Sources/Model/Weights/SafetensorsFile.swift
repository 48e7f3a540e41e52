import Foundation
import Math
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One memory-mapped safetensors file.
///
/// The file is mapped read-only, so opening a 5 GB shard costs nothing until tensors are read;
/// only the pages of requested tensors are touched, each converted to Float32 on read.
public final class SafetensorsFile: @unchecked Sendable {
    // @unchecked: the mapping is immutable after init and unmapped only in deinit.
    public let url: URL
    public let header: SafetensorsHeader
    private let base: UnsafeRawPointer
    private let size: Int

    public init(url: URL) throws {
        self.url = url
        let name = url.lastPathComponent
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { throw SafetensorsError.cannotOpen(file: name, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw SafetensorsError.cannotOpen(file: name, reason: String(cString: strerror(errno)))
        }
        let size = Int(st.st_size)
        guard size >= 8 else { throw SafetensorsError.truncated(file: name, size: size) }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw SafetensorsError.cannotOpen(file: name, reason: "mmap: " + String(cString: strerror(errno)))
        }
        do {
            header = try SafetensorsHeader.parse(prefix: UnsafeRawBufferPointer(start: p, count: size),
                                                 fileSize: size, file: name)
        } catch {
            munmap(p, size)
            throw error
        }
        self.base = UnsafeRawPointer(p)
        self.size = size
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), size) }

    public var names: [String] { header.entries.keys.sorted() }
    public func contains(_ name: String) -> Bool { header.entries[name] != nil }

    public func entry(_ name: String) throws -> SafetensorsHeader.Entry {
        guard let e = header.entries[name] else {
            throw SafetensorsError.missingTensor(file: url.lastPathComponent, tensor: name)
        }
        return e
    }

    /// Raw bytes of a tensor (valid while this file is alive).
    public func bytes(_ name: String) throws -> UnsafeRawBufferPointer {
        let e = try entry(name)
        return UnsafeRawBufferPointer(start: base + header.dataOffset + e.begin, count: e.end - e.begin)
    }

    /// A floating-point tensor converted to Float32 (F32, F16, BF16, F64).
    public func tensor(_ name: String) throws -> Tensor {
        let e = try entry(name)
        let raw = try bytes(name)
        let n = e.shape.reduce(1, *)
        var out = [Float](repeating: 0, count: n)
        switch e.dtype {
        case .f32:
            out.withUnsafeMutableBytes { dst in if n > 0 { dst.copyMemory(from: raw) } }
        case .f16:
            for i in 0..<n { out[i] = HalfFloat.float16ToFloat(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .bf16:
            for i in 0..<n { out[i] = HalfFloat.bfloat16ToFloat(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .f64:
            for i in 0..<n { out[i] = Float(raw.loadUnaligned(fromByteOffset: 8 * i, as: Double.self)) }
        default:
            throw SafetensorsError.unsupportedConversion(file: url.lastPathComponent, tensor: name,
                                                         dtype: e.dtype.rawValue, to: "Float32")
        }
        return Tensor(shape: e.shape, data: out)
    }

    /// An integer tensor (I64, I32, I16, I8, U8, U16, U32, BOOL) as `Int`s, with its shape.
    public func integers(_ name: String) throws -> (shape: [Int], values: [Int]) {
        let e = try entry(name)
        let raw = try bytes(name)
        let n = e.shape.reduce(1, *)
        let values: [Int]
        switch e.dtype {
        case .i64: values = (0..<n).map { Int(raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) }
        case .i32: values = (0..<n).map { Int(raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) }
        case .u32: values = (0..<n).map { Int(raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)) }
        case .i16: values = (0..<n).map { Int(raw.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self)) }
        case .u16: values = (0..<n).map { Int(raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) }
        case .i8: values = (0..<n).map { Int(raw.load(fromByteOffset: $0, as: Int8.self)) }
        case .u8, .bool: values = (0..<n).map { Int(raw.load(fromByteOffset: $0, as: UInt8.self)) }
        default:
            throw SafetensorsError.unsupportedConversion(file: url.lastPathComponent, tensor: name,
                                                         dtype: e.dtype.rawValue, to: "Int")
        }
        return (e.shape, values)
    }
}

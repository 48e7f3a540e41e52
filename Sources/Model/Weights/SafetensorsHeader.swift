import Foundation

/// The parsed and validated JSON header of a safetensors file.
///
/// Validation is complete before any tensor is touched: every entry has a known dtype, a
/// non-negative shape whose byte size equals its `data_offsets` span, offsets inside the data
/// section, and no two tensors share bytes. Parsing is pure (bytes in, header or typed error out)
/// so it can be fuzzed without files.
public struct SafetensorsHeader: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let dtype: SafetensorsDType
        public let shape: [Int]
        /// Byte range inside the data section (after the 8-byte length and the header).
        public let begin: Int
        public let end: Int
    }

    /// Largest header accepted (the format's own reference implementation caps it at 100 MB).
    public static let maxHeaderBytes = 100_000_000

    public let entries: [String: Entry]
    public let metadata: [String: String]
    /// Offset of the data section from the start of the file.
    public let dataOffset: Int

    /// Parses the header of a file whose first bytes are `prefix` and whose total size is `fileSize`
    /// (`prefix` must hold at least the length field and the header; more is ignored).
    public static func parse(prefix: UnsafeRawBufferPointer, fileSize: Int, file: String) throws -> SafetensorsHeader {
        guard fileSize >= 8, prefix.count >= 8 else { throw SafetensorsError.truncated(file: file, size: fileSize) }
        let declared = prefix.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian
        let available = fileSize - 8
        guard declared <= UInt64(available), declared <= UInt64(maxHeaderBytes), Int(declared) <= prefix.count - 8 else {
            throw SafetensorsError.headerLengthBeyondFile(file: file, declared: declared, available: available)
        }
        let n = Int(declared)
        let json = Data(bytes: prefix.baseAddress! + 8, count: n)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: json, options: [])
        } catch {
            throw SafetensorsError.badJSON(file: file, reason: "\(error.localizedDescription)")
        }
        guard let dict = object as? [String: Any] else {
            throw SafetensorsError.badJSON(file: file, reason: "top level is not an object")
        }
        let dataSize = available - n
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in dict {
            if name == "__metadata__" {
                guard let m = value as? [String: Any] else {
                    throw SafetensorsError.badJSON(file: file, reason: "__metadata__ is not an object")
                }
                for (k, v) in m {
                    guard let s = v as? String else {
                        throw SafetensorsError.badJSON(file: file, reason: "__metadata__.\(k) is not a string")
                    }
                    metadata[k] = s
                }
                continue
            }
            entries[name] = try entry(name, value, dataSize: dataSize, file: file)
        }
        try checkOverlaps(entries, file: file)
        return SafetensorsHeader(entries: entries, metadata: metadata, dataOffset: 8 + n)
    }

    private static func integer(_ v: Any) -> Int? {
        guard let num = v as? NSNumber, String(cString: num.objCType) != "c" else { return nil }  // "c": a JSON bool
        let d = num.doubleValue
        guard d.isFinite, d == d.rounded(), abs(d) < 9.0e15 else { return nil }
        return num.intValue
    }

    private static func entry(_ name: String, _ value: Any, dataSize: Int, file: String) throws -> Entry {
        guard let e = value as? [String: Any] else {
            throw SafetensorsError.badEntry(file: file, tensor: name, reason: "entry is not an object")
        }
        guard let dt = e["dtype"] as? String else {
            throw SafetensorsError.badEntry(file: file, tensor: name, reason: "missing string 'dtype'")
        }
        guard let dtype = SafetensorsDType(rawValue: dt) else {
            throw SafetensorsError.unknownDType(file: file, tensor: name, dtype: dt)
        }
        guard let rawShape = e["shape"] as? [Any] else {
            throw SafetensorsError.badEntry(file: file, tensor: name, reason: "missing array 'shape'")
        }
        var shape: [Int] = []
        var elements = 1
        for s in rawShape {
            guard let d = integer(s), d >= 0 else {
                throw SafetensorsError.badEntry(file: file, tensor: name, reason: "shape \(rawShape) is not non-negative integers")
            }
            let (p, overflow) = elements.multipliedReportingOverflow(by: d)
            guard !overflow, p <= Int(Int32.max) * 64 else {
                throw SafetensorsError.badEntry(file: file, tensor: name, reason: "shape \(rawShape) is too large")
            }
            elements = p
            shape.append(d)
        }
        guard let offs = e["data_offsets"] as? [Any], offs.count == 2,
              let begin = integer(offs[0]), let end = integer(offs[1]) else {
            throw SafetensorsError.badEntry(file: file, tensor: name, reason: "missing 'data_offsets' [begin, end]")
        }
        guard begin >= 0, begin <= end, end <= dataSize else {
            throw SafetensorsError.offsetsOutOfRange(file: file, tensor: name, begin: begin, end: end, dataSize: dataSize)
        }
        let bytes = elements * dtype.byteSize
        guard bytes == end - begin else {
            throw SafetensorsError.sizeMismatch(file: file, tensor: name, expectedBytes: bytes, actualBytes: end - begin)
        }
        return Entry(dtype: dtype, shape: shape, begin: begin, end: end)
    }

    private static func checkOverlaps(_ entries: [String: Entry], file: String) throws {
        let sorted = entries.filter { $0.value.end > $0.value.begin }
            .sorted { ($0.value.begin, $0.key) < ($1.value.begin, $1.key) }
        for i in sorted.indices.dropFirst() where sorted[i].value.begin < sorted[i - 1].value.end {
            throw SafetensorsError.overlappingOffsets(file: file, tensor: sorted[i].key, other: sorted[i - 1].key)
        }
    }
}

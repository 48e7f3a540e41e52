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
        try validate(prefix: prefix, fileSize: fileSize, file: file).get()
    }

    /// `parse` without throwing: the fuzz test's 100 000 rejections would otherwise each pay for
    /// the backtrace the test library records per thrown error.
    static func validate(prefix: UnsafeRawBufferPointer, fileSize: Int, file: String) -> Result<SafetensorsHeader, SafetensorsError> {

        guard fileSize >= 8, prefix.count >= 8 else { return .failure(SafetensorsError.truncated(file: file, size: fileSize)) }
        let declared = prefix.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian
        let available = fileSize - 8
        guard declared <= UInt64(available), declared <= UInt64(maxHeaderBytes), Int(declared) <= prefix.count - 8 else {
            return .failure(SafetensorsError.headerLengthBeyondFile(file: file, declared: declared, available: available))
        }
        let n = Int(declared)
        let object: HeaderJSON
        switch HeaderJSON.parse(UnsafeRawBufferPointer(rebasing: prefix[8..<(8 + n)])) {
        case .success(let v): object = v
        case .failure(let e): return .failure(SafetensorsError.badJSON(file: file, reason: "\(e.reason) at byte \(8 + e.offset)"))
        }
        guard case .object(let items) = object else {
            return .failure(SafetensorsError.badJSON(file: file, reason: "top level is not an object"))
        }
        let dataSize = available - n
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in items {
            if name == "__metadata__" {
                guard case .object(let m) = value else {
                    return .failure(SafetensorsError.badJSON(file: file, reason: "__metadata__ is not an object"))
                }
                for (k, v) in m {
                    guard case .string(let s) = v else {
                        return .failure(SafetensorsError.badJSON(file: file, reason: "__metadata__.\(k) is not a string"))
                    }
                    metadata[k] = s
                }
                continue
            }
            switch entry(name, value, dataSize: dataSize, file: file) {
            case .success(let e): entries[name] = e
            case .failure(let e): return .failure(e)
            }
        }
        if let e = overlap(entries, file: file) { return .failure(e) }
        return .success(SafetensorsHeader(entries: entries, metadata: metadata, dataOffset: 8 + n))
    }

    private static func entry(_ name: String, _ value: HeaderJSON, dataSize: Int, file: String) -> Result<Entry, SafetensorsError> {
        func bad(_ r: String) -> SafetensorsError { .badEntry(file: file, tensor: name, reason: r) }
        guard case .object(let fields) = value else { return .failure(bad("entry is not an object")) }
        func field(_ k: String) -> HeaderJSON? { fields.first { $0.key == k }?.value }
        guard case .string(let dt)? = field("dtype") else { return .failure(bad("missing string 'dtype'")) }
        guard let dtype = SafetensorsDType(rawValue: dt) else {
            return .failure(SafetensorsError.unknownDType(file: file, tensor: name, dtype: dt))
        }
        guard case .array(let rawShape)? = field("shape") else { return .failure(bad("missing array 'shape'")) }
        var shape: [Int] = []
        var elements = 1
        for s in rawShape {
            guard case .integer(let d) = s, d >= 0 else { return .failure(bad("shape is not non-negative integers")) }
            let (p, overflow) = elements.multipliedReportingOverflow(by: d)
            guard !overflow, p <= Int(Int32.max) * 64 else { return .failure(bad("shape \(rawShape.count)-d is too large")) }
            elements = p
            shape.append(d)
        }
        guard case .array(let offs)? = field("data_offsets"), offs.count == 2,
              case .integer(let begin) = offs[0], case .integer(let end) = offs[1] else {
            return .failure(bad("missing 'data_offsets' [begin, end]"))
        }
        guard begin >= 0, begin <= end, end <= dataSize else {
            return .failure(SafetensorsError.offsetsOutOfRange(file: file, tensor: name, begin: begin, end: end, dataSize: dataSize))
        }
        let bytes = elements * dtype.byteSize
        guard bytes == end - begin else {
            return .failure(SafetensorsError.sizeMismatch(file: file, tensor: name, expectedBytes: bytes, actualBytes: end - begin))
        }
        return .success(Entry(dtype: dtype, shape: shape, begin: begin, end: end))
    }

    private static func overlap(_ entries: [String: Entry], file: String) -> SafetensorsError? {
        let sorted = entries.filter { $0.value.end > $0.value.begin }
            .sorted { ($0.value.begin, $0.key) < ($1.value.begin, $1.key) }
        for i in sorted.indices.dropFirst() where sorted[i].value.begin < sorted[i - 1].value.end {
            return SafetensorsError.overlappingOffsets(file: file, tensor: sorted[i].key, other: sorted[i - 1].key)
        }
        return nil
    }
}

// GPT-2's reversible byte → printable-character map used by byte-level BPE (Qwen2).

enum ByteLevelAlphabet {
    /// `scalarOfByte[b]` is the character byte `b` is written as in the vocabulary.
    static let scalarOfByte: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var n: UInt32 = 0
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable {
                table[b] = UInt32(b)
            } else {
                table[b] = 256 + n
                n += 1
            }
        }
        return table
    }()

    /// Inverse map, indexed by scalar value (all mapped scalars are < 324); -1 where unmapped.
    static let byteOfScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 324)
        for (b, s) in scalarOfByte.enumerated() { table[Int(s)] = Int16(b) }
        return table
    }()

    /// The raw bytes a vocabulary token stands for, or nil if a character is outside the map.
    static func decode(_ token: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(token.count)
        for scalar in String(decoding: token, as: UTF8.self).unicodeScalars {
            let v = Int(scalar.value)
            guard v < byteOfScalar.count, byteOfScalar[v] >= 0 else { return nil }
            out.append(UInt8(byteOfScalar[v]))
        }
        return out
    }
}

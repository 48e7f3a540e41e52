/// XXH64 (xxHash, 64-bit variant), one-shot.
///
/// DESIGN §4 makes `hash64(seed, s)` — XXH64 of the UTF-8 bytes of `s` — the only source of randomness
/// in selection, so the calibration set, groups, subsample, bootstrap and permutation draws can be
/// reproduced by any implementation (the Python reference uses the `xxhash` package).
public enum XXH64 {
    @usableFromInline static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    @usableFromInline static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    @usableFromInline static let p3: UInt64 = 0x1656_67B1_9E37_79F9
    @usableFromInline static let p4: UInt64 = 0x85EB_CA77_C2B2_AE63
    @usableFromInline static let p5: UInt64 = 0x27D4_EB2F_1656_67C5

    @inline(__always) @usableFromInline
    static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    @inline(__always) @usableFromInline
    static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
        rotl(acc &+ input &* p2, 31) &* p1
    }

    @inline(__always) @usableFromInline
    static func mergeRound(_ acc: UInt64, _ val: UInt64) -> UInt64 {
        (acc ^ round(0, val)) &* p1 &+ p4
    }

    @inline(__always) @usableFromInline
    static func read64(_ p: UnsafeRawBufferPointer, _ i: Int) -> UInt64 {
        UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
    }

    @inline(__always) @usableFromInline
    static func read32(_ p: UnsafeRawBufferPointer, _ i: Int) -> UInt64 {
        UInt64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt32.self)))
    }

    /// XXH64 of `bytes` with `seed`.
    @inlinable
    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        let len = bytes.count
        var i = 0
        var h: UInt64
        if len >= 32 {
            var v1 = seed &+ p1 &+ p2, v2 = seed &+ p2, v3 = seed, v4 = seed &- p1
            while i + 32 <= len {
                v1 = round(v1, read64(bytes, i)); v2 = round(v2, read64(bytes, i + 8))
                v3 = round(v3, read64(bytes, i + 16)); v4 = round(v4, read64(bytes, i + 24))
                i += 32
            }
            h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
            h = mergeRound(h, v1); h = mergeRound(h, v2); h = mergeRound(h, v3); h = mergeRound(h, v4)
        } else {
            h = seed &+ p5
        }
        h = h &+ UInt64(len)
        while i + 8 <= len {
            h ^= round(0, read64(bytes, i))
            h = rotl(h, 27) &* p1 &+ p4
            i += 8
        }
        if i + 4 <= len {
            h ^= read32(bytes, i) &* p1
            h = rotl(h, 23) &* p2 &+ p3
            i += 4
        }
        while i < len {
            h ^= UInt64(bytes[i]) &* p5
            h = rotl(h, 11) &* p1
            i += 1
        }
        h ^= h >> 33; h = h &* p2
        h ^= h >> 29; h = h &* p3
        h ^= h >> 32
        return h
    }

    public static func hash(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBytes { hash($0, seed: seed) }
    }

    /// XXH64 of the UTF-8 bytes of `string`.
    public static func hash(_ string: String, seed: UInt64 = 0) -> UInt64 {
        var s = string
        return s.withUTF8 { hash(UnsafeRawBufferPointer($0), seed: seed) }
    }
}

/// The hash-defined choices of DESIGN §4 in one place, so workers, coordinator and tests agree.
public enum StatHash {
    /// `hash64(seed, sample_id)`: orders the calibration set and defines the sample group.
    public static func sampleHash(seed: UInt64, sampleId: String) -> UInt64 {
        XXH64.hash(sampleId, seed: seed)
    }

    /// `hash64(seed, "<sample_id>#<token_index>")` (decimal index): orders the key subsample (§5).
    public static func tokenHash(seed: UInt64, sampleId: String, tokenIndex: Int) -> UInt64 {
        var buffer = Array(sampleId.utf8)
        return tokenHash(seed: seed, sampleIdUTF8: &buffer, prefixCount: buffer.count, tokenIndex: tokenIndex)
    }

    /// Allocation-free variant for the main pass: `buffer[0..<prefixCount]` holds the sample id's UTF-8;
    /// the suffix `#<index>` is written after it in place.
    @inlinable
    static func tokenHash(seed: UInt64, sampleIdUTF8 buffer: inout [UInt8], prefixCount: Int, tokenIndex: Int) -> UInt64 {
        buffer.removeSubrange(prefixCount...)
        buffer.append(UInt8(ascii: "#"))
        appendDecimal(tokenIndex, to: &buffer)
        return buffer.withUnsafeBytes { XXH64.hash($0, seed: seed) }
    }

    @inlinable
    static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        var v = value.magnitude
        let start = buffer.count
        repeat { buffer.append(UInt8(ascii: "0") + UInt8(v % 10)); v /= 10 } while v > 0
        buffer[start...].reverse()
    }

    /// Sample group `g = hash64(seed, sample_id) mod G`.
    public static func group(seed: UInt64, sampleId: String, groups: Int) -> Int {
        precondition(groups > 0, "StatHash.group: groups must be positive")
        return Int(sampleHash(seed: seed, sampleId: sampleId) % UInt64(groups))
    }

    /// Bootstrap draw r, slot i: the drawn group `hash64(seed, "boot#r#i") mod G`.
    public static func bootstrapGroup(seed: UInt64, draw r: Int, slot i: Int, groups: Int) -> Int {
        Int(XXH64.hash("boot#\(r)#\(i)", seed: seed) % UInt64(groups))
    }

    /// Permutation r, pooled index i: sort key `hash64(seed, "perm#r#i")`.
    public static func permutationKey(seed: UInt64, permutation r: Int, index i: Int) -> UInt64 {
        XXH64.hash("perm#\(r)#\(i)", seed: seed)
    }
}

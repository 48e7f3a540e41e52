import Foundation
import Testing
@testable import Math

@Suite struct XXH64Tests {
    struct Vectors: Decodable {
        struct Bytes: Decodable { var hex: String; var seed: String; var hash: String }
        struct Strings: Decodable { var string: String; var seed: String; var hash: String }
        var bytes: [Bytes]
        var strings: [Strings]
    }

    static func load() throws -> Vectors {
        let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        return try JSONDecoder().decode(Vectors.self, from: Data(contentsOf: dir.appendingPathComponent("stats/xxh64.json")))
    }

    /// Published xxHash sanity values.
    @Test func knownVectors() {
        #expect(XXH64.hash("", seed: 0) == 0xEF46_DB37_51D8_E999)
        #expect(XXH64.hash("a", seed: 0) == 0xD24E_C4F1_A98C_6E5B)
        #expect(XXH64.hash("abc", seed: 0) == 0x44BC_2CF5_AD77_0999)
    }

    /// Every length 0…39 and block boundaries, three seeds, against python-xxhash.
    @Test func matchesPythonXXHash() throws {
        let v = try Self.load()
        for c in v.bytes {
            var bytes: [UInt8] = []
            var i = c.hex.startIndex
            while i < c.hex.endIndex {
                let j = c.hex.index(i, offsetBy: 2)
                bytes.append(UInt8(c.hex[i..<j], radix: 16)!); i = j
            }
            #expect(XXH64.hash(bytes, seed: UInt64(c.seed)!) == UInt64(c.hash)!, "length \(bytes.count) seed \(c.seed)")
        }
        for c in v.strings {
            #expect(XXH64.hash(c.string, seed: UInt64(c.seed)!) == UInt64(c.hash)!, "'\(c.string)'")
        }
    }

    @Test func statHashDefinitions() {
        #expect(StatHash.tokenHash(seed: 7, sampleId: "s001", tokenIndex: 17) == XXH64.hash("s001#17", seed: 7))
        #expect(StatHash.tokenHash(seed: 0, sampleId: "échantillon-7", tokenIndex: 0) == XXH64.hash("échantillon-7#0", seed: 0))
        #expect(StatHash.group(seed: 3, sampleId: "x", groups: 32) == Int(XXH64.hash("x", seed: 3) % 32))
        #expect(StatHash.bootstrapGroup(seed: 1, draw: 3, slot: 12, groups: 32) == Int(XXH64.hash("boot#3#12", seed: 1) % 32))
        #expect(StatHash.permutationKey(seed: 2, permutation: 999, index: 1999) == XXH64.hash("perm#999#1999", seed: 2))
    }
}

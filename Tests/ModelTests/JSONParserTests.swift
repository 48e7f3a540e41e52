// The byte-keeping JSON parser: exact strings, canonical-equivalent keys kept apart, precise errors.
import Foundation
import Testing
@testable import Model

@Suite struct JSONParserTests {
    @Test func parsesAllValueKinds() throws {
        let v = try JSONParser.parse(#" {"a": [1, -2.5e3, true, false, null], "b": {"c": "d"}, "n": 12345678901234567} "#)
        #expect(v["a"]?.arrayValue?.count == 5)
        #expect(v["a"]?.arrayValue?[0].intValue == 1)
        #expect(v["a"]?.arrayValue?[1].doubleValue == -2500)
        #expect(v["a"]?.arrayValue?[2].boolValue == true)
        #expect(v["a"]?.arrayValue?[4].isNull == true)
        #expect(v["b"]?["c"]?.stringValue == "d")
        #expect(v["n"]?.intValue == 12_345_678_901_234_567)  // beyond 2^53, kept exact
    }

    @Test func decodesEscapesToExactBytes() throws {
        let v = try JSONParser.parse(#"["\u00e9\u0301 \ud83e\udd17 \n\t\"\\\/ \u2581x"]"#)
        let s = v.arrayValue![0].bytesValue!
        #expect(s == Array("\u{e9}\u{301} 🤗 \n\t\"\\/ ▁x".utf8))
    }

    /// "Å" (U+00C5) and "Å" (U+212B) are canonically equivalent; a vocabulary must keep both.
    @Test func keepsCanonicallyEquivalentKeysApart() throws {
        let v = try JSONParser.parse("{\"\u{C5}\": 1, \"\u{212B}\": 2, \"A\u{30A}\": 3}")
        let members = v.objectValue!
        #expect(members.count == 3)
        #expect(Set(members.map(\.key)).count == 3)
        #expect(members[1].key == Array("\u{212B}".utf8) && members[1].value.intValue == 2)
    }

    @Test(arguments: [
        ("{\"a\": 1,}", 8), ("[1 2]", 3), ("\"abc", 0), ("{\"a\" 1}", 5), ("[01]", 1), ("tru", 0),
        ("\"\\x\"", 1), ("\"\\ud800\"", 1), ("[1] x", 4), ("", 0), ("\"a\u{01}\"", 2), ("{\"k\": -}", 6),
    ])
    func reportsErrorOffsets(input: String, offset: Int) {
        #expect(throws: JSONError.self) { try JSONParser.parse(input) }
        do {
            _ = try JSONParser.parse(input)
        } catch {
            #expect(error.offset == offset, "\(input.debugDescription): \(error)")
        }
    }

    @Test func rejectsInvalidUTF8() {
        let bytes: [UInt8] = [0x22, 0x61, 0xC3, 0x28, 0x22]  // truncated 2-byte sequence
        do {
            _ = try JSONParser.parse(bytes)
            Issue.record("accepted invalid UTF-8")
        } catch {
            #expect(error.offset == 3)  // the bad continuation byte
        }
    }

    @Test func capsNestingDepth() throws {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        do {
            _ = try JSONParser.parse(deep, maxDepth: 128)
            Issue.record("accepted nesting deeper than the cap")
        } catch {
            #expect(error.offset == 128)
            #expect(error.message.contains("nesting"))
        }
        let ok = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        _ = try JSONParser.parse(ok)
    }
}

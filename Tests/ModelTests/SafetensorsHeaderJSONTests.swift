import Foundation
import Testing
@testable import Model

/// The strict header JSON reader: what it accepts exactly and what it refuses.
@Suite struct SafetensorsHeaderJSONTests {
    func parse(_ s: String) -> Result<HeaderJSON, HeaderJSON.ParseError> {
        Array(s.utf8).withUnsafeBytes { HeaderJSON.parse($0) }
    }
    func ok(_ s: String) -> HeaderJSON? { try? parse(s).get() }

    @Test func acceptsJSONValuesExactly() {
        #expect(ok(#" {"a" : [1, -2, 9007199254740993], "b": "x\"\u00e9\ud83d\ude00\n", "c": true, "d": null, "e": 1.5e3} "#)
                == .object([("a", .array([.integer(1), .integer(-2), .integer(9_007_199_254_740_993)])),
                            ("b", .string("x\"é😀\n")), ("c", .bool(true)), ("d", .null), ("e", .number(1500))]))
        #expect(ok("{}") == .object([]) && ok("[]") == .array([]))
    }

    @Test(arguments: [#"{"a":1,"a":2}"#, "[" + String(repeating: "[", count: 40) + String(repeating: "]", count: 41),
                      #"{"a":01}"#, #"{"a":1,}"#, #"{"a":"\ud800"}"#, #"{"a":"\x"}"#, "{\"a\":\"\u{01}\"}", #"{"a":1} x"#,
                      #"{"a":99999999999999999999}"#, #"{"a":tru}"#, #"{"a""#, ""])
    func rejects(_ s: String) {
        if case .success(let v) = parse(s) { Issue.record("accepted \(s) as \(v)") }
    }

    @Test func boolIsNotAnOffset() throws {
        var bytes = [UInt8](repeating: 0, count: 8)
        let json = Array(#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[false,true]}}"#.utf8)
        bytes[0] = UInt8(json.count)
        bytes += json + [0]
        let r = bytes.withUnsafeBytes { SafetensorsHeader.validate(prefix: $0, fileSize: bytes.count, file: "b") }
        guard case .failure(.badEntry(file: "b", tensor: "a", _)) = r else { Issue.record("\(r)"); return }
    }
}

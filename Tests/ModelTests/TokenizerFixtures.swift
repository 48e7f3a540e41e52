// Shared access to the tokenizer fixtures made by scripts/make_tokenizer_fixtures.py.
import Foundation
@testable import Model

enum TokenizerFixtures {
    static let root: URL = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        .appendingPathComponent("tokenizers")
    static let llavaDirectory = root.appendingPathComponent("llava-1.5-7b-hf")
    static let qwenDirectory = root.appendingPathComponent("Qwen2.5-VL-7B-Instruct")
    static let qwenSmallJSON = root.appendingPathComponent("qwen-small/tokenizer.json")

    /// cases.json, parsed once.
    static let cases: JSONValue = {
        let data = try! Data(contentsOf: root.appendingPathComponent("cases.json"))
        return try! JSONParser.parse([UInt8](data))
    }()

    static let strings: [String] = cases["strings"]!.arrayValue!.map { $0.stringValue! }

    static let llava: any TextTokenizer = try! Tokenizer.load(directory: llavaDirectory)
    static let qwen: any TextTokenizer = try! Tokenizer.load(directory: qwenDirectory)

    static func ids(_ v: JSONValue?) -> [Int] { v!.arrayValue!.map { $0.intValue! } }

    /// Character (scalar) offsets of byte ranges, widened to whole scalars, as Python `str` offsets.
    static func scalarOffsets(_ text: String, _ ranges: [Range<Int>]) -> [Int] {
        var scalarAtByte: [Int] = []
        var index = 0
        for s in text.unicodeScalars {
            for _ in 0..<String(s).utf8.count { scalarAtByte.append(index) }
            index += 1
        }
        scalarAtByte.append(index)
        var out: [Int] = []
        for r in ranges {
            if r.isEmpty {
                out += [scalarAtByte[r.lowerBound], scalarAtByte[r.lowerBound]]
            } else {
                out += [scalarAtByte[r.lowerBound], scalarAtByte[r.upperBound - 1] + 1]
            }
        }
        return out
    }
}

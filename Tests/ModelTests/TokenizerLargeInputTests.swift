// Long inputs stay linear: a 1M-character text encodes (no timing asserted; see TokenizerBenchmark).
import Foundation
import Testing
@testable import Model

@Suite struct TokenizerLargeInputTests {
    /// Each unit ends in "\n" and starts with a letter, so Qwen2 pre-tokens never straddle two units and the
    /// ids of the whole text are the unit's ids repeated.
    @Test func qwenMillionCharacters() {
        let unit = "Describe the image: 你好，世界！ 🤗 It's 42 apples.\n"
        let count = 1_000_000 / unit.count + 1
        let text = String(repeating: unit, count: count)
        #expect(text.count >= 1_000_000)
        let tok = TokenizerFixtures.qwen
        let unitIds = tok.encode(unit, addSpecialTokens: false)
        let ids = tok.encode(text, addSpecialTokens: false)
        #expect(ids.count == unitIds.count * count)
        #expect(Array(ids.prefix(unitIds.count * 3)) == unitIds + unitIds + unitIds)
        #expect(Array(ids.suffix(unitIds.count)) == unitIds)
    }

    /// Llama has no pre-tokenizer: the whole text is one BPE word of a million symbols.
    @Test func llavaMillionCharacters() {
        let unit = "USER: What is shown here? 猫が好き 🤗\n"
        let text = String(repeating: unit, count: 1_000_000 / unit.count + 1)
        let tok = TokenizerFixtures.llava
        let spans = tok.encodeWithOffsets(text, addSpecialTokens: true)
        #expect(spans.first?.id == 1)
        #expect(spans.last?.utf8Range.upperBound == text.utf8.count)
        // Offsets tile the text: each token starts where the previous one ended (byte fallback included;
        // the prepended "▁" merges into the first token, "▁US").
        var end = 0
        var tiled = true
        for s in spans.dropFirst() {
            if s.utf8Range.lowerBound != end || s.utf8Range.isEmpty { tiled = false }
            end = s.utf8Range.upperBound
        }
        #expect(tiled)
        #expect(spans.map(\.id) == tok.encode(text, addSpecialTokens: true))
        // Decoding (not a hot path) is checked on a tenth of the size to keep the debug suite short.
        let shorter = String(repeating: unit, count: 100_000 / unit.count)
        #expect(tok.decode(tok.encode(shorter, addSpecialTokens: false)) == shorter)
    }
}

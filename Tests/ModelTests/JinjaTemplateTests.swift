import Foundation
import Testing
@testable import Model

/// Byte-for-byte agreement with jinja2 3.1.6 (transformers' chat-template environment) on the
/// hand-written cases in Fixtures/prompts/jinja_cases.json.
@Suite struct JinjaTemplateTests {
    static func options(_ env: String) -> JinjaTemplate.Options {
        switch env {
        case "chat": return .chatTemplate
        case "trim": return JinjaTemplate.Options(whitespace: JinjaWhitespace(trimBlocks: true))
        case "lstrip": return JinjaTemplate.Options(whitespace: JinjaWhitespace(lstripBlocks: true))
        case "keepnl": return JinjaTemplate.Options(whitespace: JinjaWhitespace(keepTrailingNewline: true))
        default: return JinjaTemplate.Options()
        }
    }

    @Test func fixtureCasesMatchJinja2() throws {
        let cases = try PromptFixtures.cases("jinja_cases.json")
        #expect(cases.count >= 30)
        var failures: [String] = []
        var compared = 0
        for c in cases {
            let name = c.string("name")!
            let source = c.string("template")!
            var context: [String: JinjaValue] = [:]
            for (k, v) in c.object("context")?.pairs ?? [] { context[k] = v }
            let result: Result<String, Error> = Result {
                try JinjaTemplate(source, options: Self.options(c.string("env")!)).render(context)
            }
            if let expected = c.string("expected") {
                switch result {
                case .success(let got) where got == expected: compared += 1
                case .success(let got): failures.append("\(name): got \(PyFormat.stringRepr(got)) expected \(PyFormat.stringRepr(expected))")
                case .failure(let e): failures.append("\(name): threw \(e)")
                }
                continue
            }
            let kind = c.string("error")!
            switch (result, kind) {
            case (.failure(JinjaError.syntax(_, let loc)), "syntax"):
                if loc.line != c.int("line") { failures.append("\(name): syntax error at line \(loc.line), jinja2 says \(c.int("line")!)") }
            case (.failure(JinjaError.render), "render"): break
            case (.failure(JinjaError.raised(let m, _)), "raised"):
                if m != c.string("message") { failures.append("\(name): raised '\(m)'") }
            default: failures.append("\(name): expected \(kind) error, got \(result)")
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(compared + failures.count >= 35)
    }

    @Test func syntaxErrorsCarryLineAndColumn() throws {
        #expect(throws: JinjaError.syntax(message: "unexpected '}}'", location: JinjaLocation(line: 2, column: 10))) {
            try JinjaTemplate("ok\n  {{ 1 + }}")
        }
        #expect(throws: JinjaError.syntax(message: "Encountered unknown tag 'frobnicate'.", location: JinjaLocation(line: 2, column: 6))) {
            try JinjaTemplate("a\nb {% frobnicate %}")
        }
        do {
            _ = try JinjaTemplate("{{ 'a' }}\n{{ x.y }}").render([:])
            Issue.record("expected a render error")
        } catch JinjaError.render(let message, let location) {
            #expect(message == "'x' is undefined")
            #expect(location == JinjaLocation(line: 2, column: 4))
        }
    }

    @Test func nestingAndSizeCapsAreEnforced() throws {
        let deep = String(repeating: "(", count: 200) + "1" + String(repeating: ")", count: 200)
        #expect {
            try JinjaTemplate("{{ \(deep) }}")
        } throws: { e in
            if case JinjaError.limit = e { return true }
            return false
        }
        let blocks = String(repeating: "{% if true %}", count: 100) + "x" + String(repeating: "{% endif %}", count: 100)
        #expect(throws: JinjaError.self) { try JinjaTemplate(blocks) }
        let recursive = "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"
        #expect {
            try JinjaTemplate(recursive).render([:])
        } throws: { e in
            if case JinjaError.limit = e { return true }
            return false
        }
        var small = JinjaTemplate.Options()
        small.maxOutputBytes = 100
        #expect(throws: JinjaError.self) { try JinjaTemplate("{% for i in range(1000) %}xx{% endfor %}", options: small).render([:]) }
        #expect(throws: JinjaError.self) { try JinjaTemplate("{{ range(100000000) | length }}").render([:]) }
    }

    @Test func strftimeNowUsesInjectedClock() throws {
        var o = JinjaTemplate.Options.chatTemplate
        o.now = { Date(timeIntervalSince1970: 1_720_000_000) }  // 2024-07-03 09:46 UTC
        #expect(try JinjaTemplate("{{ strftime_now('%Y-%m') }}", options: o).render([:]) == "2024-07")
    }

    /// Random token soup must only ever throw `JinjaError`, never trap (index out of range, overflow, …).
    @Test func randomInputNeverCrashes() throws {
        let fragments = ["{{", "}}", "{%", "%}", "{#", "#}", "-", "+", "if", "for", "x", "in", "'", "\"", "\\", "(", ")",
                         "[", "]", "{", "}", "|", "trim", ".", ",", ":", "1", "1.5e", "0x", "_", " ", "\n", "\r", "endif",
                         "endfor", "raw", "endraw", "set", "=", "~", "is", "not", "loop", "é", "macro", "*", "**", "m",
                         "else", "elif", "endmacro", "ns", "namespace(", "range(", "length", "defined", "%", "//", "-1", "::"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int(truncatingIfNeeded: (z ^ (z >> 31)) >> 1)
        }
        let context: [String: JinjaValue] = ["x": [1, "a", ["k": 2.5]], "m": "text", "messages": [["role": "user", "content": "hi"]]]
        var rendered = 0
        for _ in 0..<3000 {
            let n = 1 + next() % 14
            let source = (0..<n).map { _ in fragments[next() % fragments.count] }.joined()
            do {
                _ = try JinjaTemplate(source, options: next() % 2 == 0 ? .chatTemplate : JinjaTemplate.Options()).render(context)
                rendered += 1
            } catch is JinjaError {
            }
        }
        #expect(rendered > 0)
    }
}

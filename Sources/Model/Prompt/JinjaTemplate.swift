import Foundation

/// A compiled Jinja2 template (the subset Hugging Face chat templates use). Parse once, render
/// many times; rendering is pure apart from `strftime_now`, whose clock is an option.
///
/// Supported, with jinja2 3.1 semantics (checked against jinja2 in Fixtures/prompts/jinja_cases.json):
/// - tags: `if/elif/else`, `for … in … [if …]` with `else`, `loop.*` (index, index0, revindex(0), first,
///   last, length, previtem, nextitem, cycle), `break`/`continue`, `set` (names, tuples, `ns.attr`,
///   block form with filters), `macro` (defaults, keyword arguments), `filter` blocks, `raw`, comments,
///   transformers' `generation`; whitespace control `-`/`+`, `trim_blocks`, `lstrip_blocks`.
/// - expressions: literals (str with Python escapes, int incl. 0x/0o/0b/_, float, list, tuple, dict),
///   `and or not`, comparisons (chained), `in`/`not in`, `+ - * / // % **`, `~`, conditional
///   expressions, attribute/item access and slices, calls; Python `str()`/`repr()` output.
/// - filters: see `JinjaBuiltins.filters` (trim, length, tojson, join, map, select(attr), sort, …);
///   tests: see `JinjaBuiltins.tests`; globals: range, namespace, dict, raise_exception, strftime_now;
///   str/dict/list methods (strip, split, startswith, replace, items, get, …; mutating ones are refused).
/// Not supported: `extends`/`include`/`import`, `call` blocks, recursive loops, `*args`/`**kwargs`.
///
/// ```swift
/// let t = try JinjaTemplate("{% for m in messages %}{{ m.role }}{% endfor %}", options: .chatTemplate)
/// let s = try t.render(["messages": [["role": "user"]]])
/// ```
public struct JinjaTemplate: Sendable {
    public struct Options: Sendable {
        public var whitespace: JinjaWhitespace
        /// Deepest nesting of blocks/expressions the parser accepts (guards the recursion stack).
        public var maxNestingDepth: Int
        /// Deepest macro recursion at render time.
        public var maxCallDepth: Int
        /// Largest output a render may produce.
        public var maxOutputBytes: Int
        /// Longest list `range()` may build.
        public var maxRangeLength: Int
        /// Clock for `strftime_now` (inject a fixed date for reproducible output).
        public var now: @Sendable () -> Date

        public init(whitespace: JinjaWhitespace = JinjaWhitespace(), maxNestingDepth: Int = 64, maxCallDepth: Int = 32,
                    maxOutputBytes: Int = 16 << 20, maxRangeLength: Int = 1_000_000,
                    now: @escaping @Sendable () -> Date = { Date() }) {
            self.whitespace = whitespace
            self.maxNestingDepth = maxNestingDepth
            self.maxCallDepth = maxCallDepth
            self.maxOutputBytes = maxOutputBytes
            self.maxRangeLength = maxRangeLength
            self.now = now
        }

        /// transformers' chat-template environment: `trim_blocks=True, lstrip_blocks=True`.
        public static var chatTemplate: Options {
            Options(whitespace: JinjaWhitespace(trimBlocks: true, lstripBlocks: true))
        }
    }

    public let source: String
    public let options: Options
    private let body: [JinjaStmt]

    /// Parses `source`; throws `JinjaError.syntax` / `.limit` with line:column.
    public init(_ source: String, options: Options = Options()) throws {
        self.source = source
        self.options = options
        var lexer = JinjaLexer(source: source, whitespace: options.whitespace)
        var parser = JinjaParser(tokens: try lexer.tokenize(), maxDepth: options.maxNestingDepth)
        body = try parser.parseTemplate()
    }

    /// Renders with the given top-level variables.
    public func render(_ context: [String: JinjaValue]) throws -> String {
        let scope = JinjaScope(parent: nil)
        for (k, v) in context { scope.set(k, v) }
        return try JinjaRenderer(options: options).render(body, scope: JinjaScope(parent: scope))
    }
}

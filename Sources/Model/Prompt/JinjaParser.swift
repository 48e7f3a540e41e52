/// Recursive-descent parser over `JinjaLexer` tokens. Grammar and operator precedence are those of
/// `jinja2.parser.Parser` (condexpr < or < and < not < compare < +,- < ~ < *,/,//,% < ** < unary <
/// postfix/filters/tests), limited to the statements chat templates use.
struct JinjaParser {
    private let tokens: [JinjaToken]
    private var p = 0
    private var depth = 0
    private var loopDepth = 0
    private let maxDepth: Int

    init(tokens: [JinjaToken], maxDepth: Int) {
        self.tokens = tokens
        self.maxDepth = maxDepth
    }

    // MARK: Token helpers

    private var current: JinjaToken { tokens[p] }
    private func peek(_ k: Int = 1) -> JinjaToken { tokens[min(p + k, tokens.count - 1)] }
    private mutating func advance() { if p < tokens.count - 1 { p += 1 } }

    private func fail(_ message: String, _ token: JinjaToken? = nil) -> JinjaError {
        .syntax(message: message, location: (token ?? current).location)
    }

    private func isName(_ n: String, _ t: JinjaToken? = nil) -> Bool {
        if case .name(let v) = (t ?? current).kind { return v == n }
        return false
    }
    private func isOp(_ o: String, _ t: JinjaToken? = nil) -> Bool {
        if case .op(let v) = (t ?? current).kind { return v == o }
        return false
    }
    private mutating func skipOp(_ o: String) -> Bool {
        if isOp(o) { advance(); return true }
        return false
    }
    private mutating func skipName(_ n: String) -> Bool {
        if isName(n) { advance(); return true }
        return false
    }
    private mutating func expectOp(_ o: String) throws {
        guard skipOp(o) else { throw fail("expected '\(o)', got \(describe(current))") }
    }
    private mutating func expectName() throws -> String {
        guard case .name(let v) = current.kind else { throw fail("expected name, got \(describe(current))") }
        advance()
        return v
    }
    private mutating func expectBlockEnd() throws {
        guard current.kind == .blockEnd else { throw fail("expected end of statement block, got \(describe(current))") }
        advance()
    }

    private func describe(_ t: JinjaToken) -> String {
        switch t.kind {
        case .text: return "template data"
        case .variableBegin: return "'{{'"
        case .variableEnd: return "'}}'"
        case .blockBegin: return "'{%'"
        case .blockEnd: return "'%}'"
        case .name(let n): return "'\(n)'"
        case .string(let s): return PyFormat.stringRepr(s)
        case .integer(let i): return String(i)
        case .float(let d): return PyFormat.floatRepr(d)
        case .op(let o): return "'\(o)'"
        case .eof: return "end of template"
        }
    }

    private mutating func nest<T>(_ body: (inout JinjaParser) throws -> T) throws -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= maxDepth else {
            throw JinjaError.limit(message: "nesting deeper than \(maxDepth)", location: current.location)
        }
        return try body(&self)
    }

    // MARK: Statements

    mutating func parseTemplate() throws -> [JinjaStmt] {
        let body = try subparse(until: [])
        guard current.kind == .eof else { throw fail("unexpected \(describe(current))") }
        return body
    }

    /// Parses until `{% <end> %}` for one of `ends`; leaves the end tag's name as the current token.
    private mutating func subparse(until ends: Set<String>) throws -> [JinjaStmt] {
        var body: [JinjaStmt] = []
        while true {
            switch current.kind {
            case .text(let s):
                body.append(.text(s)); advance()
            case .variableBegin:
                advance()
                let e = try parseTuple()
                guard current.kind == .variableEnd else { throw fail("expected end of print statement, got \(describe(current))") }
                advance()
                body.append(.output(e))
            case .blockBegin:
                advance()
                guard case .name(let tag) = current.kind else { throw fail("tag name expected") }
                if ends.contains(tag) { return body }
                body.append(try nest { try $0.parseStatement(tag) })
            case .eof:
                if !ends.isEmpty {
                    throw fail("Unexpected end of template. Jinja was looking for the following tags: "
                        + ends.sorted().map { "'\($0)'" }.joined(separator: " or ") + ".")
                }
                return body
            default:
                throw fail("unexpected \(describe(current))")
            }
        }
    }

    /// Body up to one of `ends`, consuming `%}` before it; returns the end tag name (consumed).
    private mutating func body(until ends: Set<String>) throws -> ([JinjaStmt], String) {
        try expectBlockEnd()
        let b = try subparse(until: ends)
        let name = try expectName()
        return (b, name)
    }

    private mutating func parseStatement(_ tag: String) throws -> JinjaStmt {
        let start = current
        advance()
        switch tag {
        case "if":
            var branches: [(JinjaExpr, [JinjaStmt])] = []
            var cond = try parseTuple(withCondexpr: false)
            while true {
                let (b, end) = try body(until: ["elif", "else", "endif"])
                branches.append((cond, b))
                if end == "elif" { cond = try parseTuple(withCondexpr: false); continue }
                var elseBody: [JinjaStmt] = []
                if end == "else" { (elseBody, _) = try body(until: ["endif"]) }
                try expectBlockEnd()
                return .ifChain(branches, elseBody: elseBody)
            }
        case "for":
            let target = try parseTarget(allowNamespace: false)
            guard skipName("in") else { throw fail("expected 'in', got \(describe(current))") }
            let iterable = try parseTuple(withCondexpr: false, extraEnd: ["recursive"])
            let condition = skipName("if") ? try parseExpression() : nil
            if isName("recursive") { throw fail("recursive loops are not supported") }
            loopDepth += 1
            let (b, end) = try body(until: ["endfor", "else"])
            loopDepth -= 1
            var elseBody: [JinjaStmt] = []
            if end == "else" { (elseBody, _) = try body(until: ["endfor"]) }
            try expectBlockEnd()
            return .forLoop(JinjaForLoop(target: target, iterable: iterable, condition: condition, body: b,
                                         elseBody: elseBody, location: start.location))
        case "set":
            let target = try parseTarget(allowNamespace: true)
            if skipOp("=") {
                let value = try parseTuple()
                try expectBlockEnd()
                return .assign(target, value, start.location)
            }
            let filter = isOp("|") ? try parseFilterChain(nil) : nil
            let (b, _) = try body(until: ["endset"])
            try expectBlockEnd()
            return .assignBlock(target, filter: filter, body: b, start.location)
        case "macro":
            let name = try expectName()
            try expectOp("(")
            var params: [(name: String, defaultValue: JinjaExpr?)] = []
            while !isOp(")") {
                if !params.isEmpty { try expectOp(","); if isOp(")") { break } }
                let pname = try expectName()
                let def = skipOp("=") ? try parseExpression() : nil
                if def == nil, params.last?.defaultValue != nil { throw fail("non-default argument follows default argument") }
                params.append((pname, def))
            }
            try expectOp(")")
            let savedLoops = loopDepth
            loopDepth = 0
            let (b, _) = try body(until: ["endmacro"])
            loopDepth = savedLoops
            if case .name = current.kind { advance() }
            try expectBlockEnd()
            return .macro(name: name, parameters: params, body: b)
        case "filter":
            guard let filter = try parseFilterChain(nil, startInline: true) else { throw fail("expected filter") }
            let (b, _) = try body(until: ["endfilter"])
            try expectBlockEnd()
            return .filterBlock(filter, b)
        case "generation":
            let (b, _) = try body(until: ["endgeneration"])
            try expectBlockEnd()
            return .generation(b)
        case "break", "continue":
            guard loopDepth > 0 else { throw fail("'\(tag)' outside of a loop", start) }
            try expectBlockEnd()
            return tag == "break" ? .breakLoop : .continueLoop
        default:
            throw fail("Encountered unknown tag '\(tag)'.", start)
        }
    }

    private mutating func parseTarget(allowNamespace: Bool) throws -> JinjaTarget {
        let first = try expectName()
        if allowNamespace, skipOp(".") { return .attribute(first, try expectName()) }
        guard isOp(",") else { return .name(first) }
        var names = [first]
        while skipOp(",") {
            guard case .name = current.kind else { break }
            names.append(try expectName())
        }
        return .tuple(names)
    }

    // MARK: Expressions

    mutating func parseTuple(withCondexpr: Bool = true, extraEnd: Set<String> = [], explicitParens: Bool = false) throws -> JinjaExpr {
        let loc = current.location
        var items: [JinjaExpr] = []
        var isTuple = false
        while true {
            if !items.isEmpty { try expectOp(",") }
            if isTupleEnd(extraEnd) { break }
            items.append(withCondexpr ? try parseExpression() : try parseOr())
            if isOp(",") { isTuple = true } else { break }
        }
        if !isTuple {
            if let one = items.first { return one }
            if !explicitParens { throw fail("Expected an expression, got \(describe(current))") }
        }
        return JinjaExpr(kind: .tuple(items), location: loc)
    }

    private func isTupleEnd(_ extra: Set<String>) -> Bool {
        switch current.kind {
        case .variableEnd, .blockEnd: return true
        case .op(")"): return true
        case .name(let n): return extra.contains(n)
        default: return false
        }
    }

    mutating func parseExpression() throws -> JinjaExpr {
        try nest { p in
            var e = try p.parseOr()
            while p.isName("if") {
                let loc = p.current.location
                p.advance()
                let cond = try p.parseOr()
                let other = p.skipName("else") ? try p.parseExpression() : nil
                e = JinjaExpr(kind: .conditional(test: cond, then: e, otherwise: other), location: loc)
            }
            return e
        }
    }

    private mutating func parseOr() throws -> JinjaExpr {
        var e = try parseAnd()
        while isName("or") {
            let loc = current.location; advance()
            e = JinjaExpr(kind: .or(e, try parseAnd()), location: loc)
        }
        return e
    }

    private mutating func parseAnd() throws -> JinjaExpr {
        var e = try parseNot()
        while isName("and") {
            let loc = current.location; advance()
            e = JinjaExpr(kind: .and(e, try parseNot()), location: loc)
        }
        return e
    }

    private mutating func parseNot() throws -> JinjaExpr {
        if isName("not") {
            let loc = current.location; advance()
            return try nest { JinjaExpr(kind: .not(try $0.parseNot()), location: loc) }
        }
        return try parseCompare()
    }

    private mutating func parseCompare() throws -> JinjaExpr {
        let loc = current.location
        let first = try parseMath1()
        var ops: [(String, JinjaExpr)] = []
        while true {
            if case .op(let o) = current.kind, ["==", "!=", "<", ">", "<=", ">="].contains(o) {
                advance(); ops.append((o, try parseMath1()))
            } else if skipName("in") {
                ops.append(("in", try parseMath1()))
            } else if isName("not"), isName("in", peek()) {
                advance(); advance(); ops.append(("notin", try parseMath1()))
            } else { break }
        }
        return ops.isEmpty ? first : JinjaExpr(kind: .compare(first, ops), location: loc)
    }

    private mutating func parseMath1() throws -> JinjaExpr {
        var e = try parseConcat()
        while case .op(let o) = current.kind, o == "+" || o == "-" {
            let loc = current.location; advance()
            e = JinjaExpr(kind: .binary(o, e, try parseConcat()), location: loc)
        }
        return e
    }

    private mutating func parseConcat() throws -> JinjaExpr {
        let loc = current.location
        var items = [try parseMath2()]
        while skipOp("~") { items.append(try parseMath2()) }
        return items.count == 1 ? items[0] : JinjaExpr(kind: .concat(items), location: loc)
    }

    private mutating func parseMath2() throws -> JinjaExpr {
        var e = try parsePow()
        while case .op(let o) = current.kind, ["*", "/", "//", "%"].contains(o) {
            let loc = current.location; advance()
            e = JinjaExpr(kind: .binary(o, e, try parsePow()), location: loc)
        }
        return e
    }

    private mutating func parsePow() throws -> JinjaExpr {
        var e = try parseUnary()
        while isOp("**") {
            let loc = current.location; advance()
            e = JinjaExpr(kind: .binary("**", e, try parseUnary()), location: loc)
        }
        return e
    }

    private mutating func parseUnary(withFilter: Bool = true) throws -> JinjaExpr {
        let loc = current.location
        var e: JinjaExpr
        if skipOp("-") {
            e = try nest { JinjaExpr(kind: .negate(try $0.parseUnary(withFilter: false)), location: loc) }
        } else if skipOp("+") {
            e = try nest { JinjaExpr(kind: .plus(try $0.parseUnary(withFilter: false)), location: loc) }
        } else {
            e = try parsePrimary()
        }
        e = try parsePostfix(e)
        if withFilter { e = try parseFilterExpr(e) }
        return e
    }

    private mutating func parsePrimary() throws -> JinjaExpr {
        let t = current
        switch t.kind {
        case .name(let n):
            advance()
            switch n {
            case "true", "True": return JinjaExpr(kind: .literal(.bool(true)), location: t.location)
            case "false", "False": return JinjaExpr(kind: .literal(.bool(false)), location: t.location)
            case "none", "None": return JinjaExpr(kind: .literal(.none), location: t.location)
            default: return JinjaExpr(kind: .name(n), location: t.location)
            }
        case .string(var s):
            advance()
            while case .string(let more) = current.kind { s += more; advance() }
            return JinjaExpr(kind: .literal(.string(s)), location: t.location)
        case .integer(let i):
            advance(); return JinjaExpr(kind: .literal(.int(i)), location: t.location)
        case .float(let d):
            advance(); return JinjaExpr(kind: .literal(.double(d)), location: t.location)
        case .op("("):
            advance()
            let e = try nest { try $0.parseTuple(explicitParens: true) }
            try expectOp(")")
            return e
        case .op("["):
            advance()
            var items: [JinjaExpr] = []
            while !isOp("]") {
                if !items.isEmpty { try expectOp(","); if isOp("]") { break } }
                items.append(try parseExpression())
            }
            try expectOp("]")
            return JinjaExpr(kind: .list(items), location: t.location)
        case .op("{"):
            advance()
            var items: [(JinjaExpr, JinjaExpr)] = []
            while !isOp("}") {
                if !items.isEmpty { try expectOp(","); if isOp("}") { break } }
                let k = try parseExpression()
                try expectOp(":")
                items.append((k, try parseExpression()))
            }
            try expectOp("}")
            return JinjaExpr(kind: .dict(items), location: t.location)
        default:
            throw fail("unexpected \(describe(t))")
        }
    }

    private mutating func parsePostfix(_ node: JinjaExpr) throws -> JinjaExpr {
        var e = node
        while true {
            if isOp(".") || isOp("[") { e = try parseSubscript(e) }
            else if isOp("(") { e = try parseCall(e) }
            else { return e }
        }
    }

    private mutating func parseFilterExpr(_ node: JinjaExpr) throws -> JinjaExpr {
        var e = node
        while true {
            if isOp("|") { e = try parseFilterChain(e)! }
            else if isName("is") { e = try parseTest(e) }
            else if isOp("(") { e = try parseCall(e) }
            else { return e }
        }
    }

    private mutating func parseSubscript(_ node: JinjaExpr) throws -> JinjaExpr {
        let t = current
        advance()
        if case .op(".") = t.kind {
            switch current.kind {
            case .name(let n): advance(); return JinjaExpr(kind: .getAttr(node, n), location: node.location)
            case .integer(let i):
                advance()
                return JinjaExpr(kind: .getItem(node, JinjaExpr(kind: .literal(.int(i)), location: t.location)), location: t.location)
            default: throw fail("expected name or number")
            }
        }
        var args: [JinjaExpr] = []
        while !isOp("]") {
            if !args.isEmpty { try expectOp(",") }
            args.append(try parseSubscribed())
        }
        try expectOp("]")
        let arg = args.count == 1 ? args[0] : JinjaExpr(kind: .tuple(args), location: t.location)
        return JinjaExpr(kind: .getItem(node, arg), location: node.location)
    }

    private mutating func parseSubscribed() throws -> JinjaExpr {
        let loc = current.location
        var parts: [JinjaExpr?] = []
        if skipOp(":") {
            parts = [nil]
        } else {
            let e = try parseExpression()
            guard skipOp(":") else { return e }
            parts = [e]
        }
        if isOp(":") || isOp("]") || isOp(",") { parts.append(nil) } else { parts.append(try parseExpression()) }
        if skipOp(":") {
            if isOp("]") || isOp(",") { parts.append(nil) } else { parts.append(try parseExpression()) }
        } else { parts.append(nil) }
        return JinjaExpr(kind: .slice(parts[0], parts[1], parts[2]), location: loc)
    }

    private mutating func parseCallArgs() throws -> JinjaArgs {
        try expectOp("(")
        var args = JinjaArgs()
        while !isOp(")") {
            if !args.positional.isEmpty || !args.keyword.isEmpty {
                try expectOp(",")
                if isOp(")") { break }
            }
            if isOp("*") || isOp("**") { throw fail("*args / **kwargs in calls are not supported") }
            if case .name(let key) = current.kind, isOp("=", peek()) {
                advance(); advance()
                args.keyword.append((key, try parseExpression()))
            } else {
                guard args.keyword.isEmpty else { throw fail("invalid syntax for function call expression") }
                args.positional.append(try parseExpression())
            }
        }
        try expectOp(")")
        return args
    }

    private mutating func parseCall(_ node: JinjaExpr) throws -> JinjaExpr {
        let loc = current.location
        return JinjaExpr(kind: .call(node, try nest { try $0.parseCallArgs() }), location: loc)
    }

    private mutating func dottedName() throws -> String {
        var name = try expectName()
        while skipOp(".") { name += "." + (try expectName()) }
        return name
    }

    /// `| f | g(args)`; `startInline` parses a filter chain without a leading `|` (`{% filter %}`).
    private mutating func parseFilterChain(_ node: JinjaExpr?, startInline: Bool = false) throws -> JinjaExpr? {
        var e = node
        var inline = startInline
        while isOp("|") || inline {
            if !inline { advance() }
            inline = false
            let loc = current.location
            let nameToken = current
            let name = try dottedName()
            guard JinjaBuiltins.filters.contains(name) else { throw fail("No filter named '\(name)'.", nameToken) }
            let args = isOp("(") ? try nest { try $0.parseCallArgs() } : JinjaArgs()
            e = JinjaExpr(kind: .filter(e, name, args), location: loc)
        }
        return e
    }

    private mutating func parseTest(_ node: JinjaExpr) throws -> JinjaExpr {
        let loc = current.location
        advance()
        let negated = skipName("not")
        let nameToken = current
        let name = try dottedName()
        guard JinjaBuiltins.tests.contains(name) else { throw fail("No test named '\(name)'.", nameToken) }
        var args = JinjaArgs()
        if isOp("(") {
            args = try nest { try $0.parseCallArgs() }
        } else {
            switch current.kind {
            case .name(let n) where !["else", "or", "and"].contains(n):
                if n == "is" { throw fail("You cannot chain multiple tests with is") }
                fallthrough
            case .string, .integer, .float, .op("["), .op("{"):
                args.positional = [try parsePostfix(try parsePrimary())]
            default: break
            }
        }
        let test = JinjaExpr(kind: .test(node, name, args), location: loc)
        return negated ? JinjaExpr(kind: .not(test), location: loc) : test
    }
}

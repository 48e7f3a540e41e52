import Foundation

/// Python's arithmetic and comparison operators on `JinjaValue`, including the `TypeError`s a
/// template author would see (so a template that fails in transformers also fails here).
enum JinjaOperators {
    static func binary(_ op: String, _ a: JinjaValue, _ b: JinjaValue) throws -> JinjaValue {
        if case .undefined(let why) = a { throw JinjaFailure(why) }
        if case .undefined(let why) = b { throw JinjaFailure(why) }
        if let x = a.number, let y = b.number { return try numeric(op, x, y) }
        switch (op, a, b) {
        case ("+", .string(let x), .string(let y)): return .string(x + y)
        case ("+", .array(let x), .array(let y)): return .array(x + y)
        case ("+", .tuple(let x), .tuple(let y)): return .tuple(x + y)
        case ("*", .string(let s), _), ("*", _, .string(let s)):
            guard case .int(let n)? = (a.number ?? b.number) else { break }
            return .string(String(repeating: s, count: max(n, 0)))
        case ("*", .array(let l), _), ("*", _, .array(let l)):
            guard case .int(let n)? = (a.number ?? b.number) else { break }
            return .array(Array(repeating: l, count: max(n, 0)).flatMap { $0 })
        case ("%", .string(let f), _): return .string(try PyFormat.percentFormat(f, b))
        default: break
        }
        if op == "+", case .string = a {
            throw JinjaFailure("can only concatenate str (not \"\(b.typeName)\") to str")
        }
        throw JinjaFailure("unsupported operand type(s) for \(op): '\(a.typeName)' and '\(b.typeName)'")
    }

    private static func numeric(_ op: String, _ x: JinjaValue.Number, _ y: JinjaValue.Number) throws -> JinjaValue {
        if case .int(let p) = x, case .int(let q) = y {
            func checked(_ r: (Int, Bool)) throws -> JinjaValue {
                guard !r.1 else { throw JinjaFailure("integer overflow in \(op)") }
                return .int(r.0)
            }
            switch op {
            case "+": return try checked(p.addingReportingOverflow(q))
            case "-": return try checked(p.subtractingReportingOverflow(q))
            case "*": return try checked(p.multipliedReportingOverflow(by: q))
            case "/":
                guard q != 0 else { throw JinjaFailure("division by zero") }
                return .double(Double(p) / Double(q))
            case "//":
                guard q != 0 else { throw JinjaFailure("integer division or modulo by zero") }
                let d = p / q
                return .int((p % q != 0 && (p < 0) != (q < 0)) ? d - 1 : d)
            case "%":
                guard q != 0 else { throw JinjaFailure("integer division or modulo by zero") }
                let r = p % q
                return .int(r != 0 && (r < 0) != (q < 0) ? r + q : r)
            case "**":
                if q < 0 { return .double(Foundation.pow(Double(p), Double(q))) }
                var result = 1, base = p, e = q
                while e > 0 {
                    if e & 1 == 1 { result = try checked(result.multipliedReportingOverflow(by: base)).intValue }
                    e >>= 1
                    if e > 0 { base = try checked(base.multipliedReportingOverflow(by: base)).intValue }
                }
                return .int(result)
            default: throw JinjaFailure("unknown operator \(op)")
            }
        }
        let p = x.double, q = y.double
        switch op {
        case "+": return .double(p + q)
        case "-": return .double(p - q)
        case "*": return .double(p * q)
        case "/":
            guard q != 0 else { throw JinjaFailure("float division by zero") }
            return .double(p / q)
        case "//":
            guard q != 0 else { throw JinjaFailure("float floor division by zero") }
            return .double((p / q).rounded(.down))
        case "%":
            guard q != 0 else { throw JinjaFailure("float modulo") }
            let r = fmod(p, q)
            return .double(r != 0 && (r < 0) != (q < 0) ? r + q : r)
        case "**": return .double(Foundation.pow(p, q))
        default: throw JinjaFailure("unknown operator \(op)")
        }
    }

    static func compare(_ op: String, _ a: JinjaValue, _ b: JinjaValue) throws -> Bool {
        switch op {
        case "==": return JinjaValue.pyEqual(a, b)
        case "!=": return !JinjaValue.pyEqual(a, b)
        case "in": return try contains(b, a)
        case "notin": return !(try contains(b, a))
        default:
            let c = try order(a, b, op)
            switch op {
            case "<": return c < 0
            case "<=": return c <= 0
            case ">": return c > 0
            default: return c >= 0
            }
        }
    }

    /// Python ordering for numbers, strings (by code point) and sequences; anything else is a TypeError.
    static func order(_ a: JinjaValue, _ b: JinjaValue, _ op: String = "<") throws -> Int {
        if let x = a.number, let y = b.number {
            if case .int(let p) = x, case .int(let q) = y { return p < q ? -1 : p > q ? 1 : 0 }
            let p = x.double, q = y.double
            return p < q ? -1 : p > q ? 1 : 0
        }
        switch (a, b) {
        case (.string(let x), .string(let y)):
            let u = Array(x.unicodeScalars), v = Array(y.unicodeScalars)
            for (p, q) in zip(u, v) where p != q { return p.value < q.value ? -1 : 1 }
            return u.count < v.count ? -1 : u.count > v.count ? 1 : 0
        case (.array(let x), .array(let y)), (.tuple(let x), .tuple(let y)):
            for (p, q) in zip(x, y) where !JinjaValue.pyEqual(p, q) { return try order(p, q, op) }
            return x.count < y.count ? -1 : x.count > y.count ? 1 : 0
        default:
            throw JinjaFailure("'\(op)' not supported between instances of '\(a.typeName)' and '\(b.typeName)'")
        }
    }

    /// Python `needle in container`.
    static func contains(_ container: JinjaValue, _ needle: JinjaValue) throws -> Bool {
        switch container {
        case .undefined: return false
        case .string(let s):
            guard case .string(let n) = needle else {
                throw JinjaFailure("'in <string>' requires string as left operand, not \(needle.typeName)")
            }
            return n.isEmpty || PyFormat.find(s, n) >= 0
        case .array(let a), .tuple(let a): return a.contains { JinjaValue.pyEqual($0, needle) }
        case .object(let o):
            guard case .string(let k) = needle else { return false }
            return o[k] != nil
        case .namespace(let ns):
            guard case .string(let k) = needle else { return false }
            return ns.attributes[k] != nil
        default:
            throw JinjaFailure("argument of type '\(container.typeName)' is not iterable")
        }
    }
}

extension JinjaValue.Number {
    var double: Double {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        }
    }
}

extension JinjaValue {
    fileprivate var intValue: Int {
        if case .int(let i) = self { return i }
        return 0
    }
}

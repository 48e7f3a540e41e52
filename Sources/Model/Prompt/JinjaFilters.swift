import Foundation

/// Jinja's built-in filters used by Hugging Face chat templates, with transformers' `tojson`
/// (no HTML escaping, `ensure_ascii=False`, `indent`/`separators`/`sort_keys` options).
enum JinjaBuiltins {
    /// Filter and test names, checked at parse time as Jinja does ("No filter named …").
    static let filters: Set<String> = [
        "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape", "first",
        "float", "forceescape", "format", "indent", "int", "items", "join", "last", "length", "list", "lower", "map",
        "max", "min", "reject", "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr", "sort",
        "string", "sum", "title", "tojson", "trim", "unique", "upper", "wordcount",
    ]
    static let tests: Set<String> = [
        "defined", "undefined", "none", "boolean", "true", "false", "string", "mapping", "number", "integer", "float",
        "sequence", "iterable", "callable", "odd", "even", "divisibleby", "eq", "equalto", "==", "ne", "!=", "lt",
        "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=", "in", "sameas", "lower", "upper", "filter",
    ]
}

extension JinjaRenderer {
    func applyFilter(_ name: String, _ v: JinjaValue, _ args: Arguments, _ scope: JinjaScope) throws -> JinjaValue {
        func bool(_ i: Int, _ n: String, _ def: Bool = false) -> Bool { args.value(i, n)?.truthy ?? def }
        func str(_ i: Int, _ n: String, _ def: String) -> String { args.value(i, n).map(\.pyStr) ?? def }
        func attribute(_ i: Int = -1) -> String? {
            if i >= 0, let a = args.value(i, "attribute"), !(a == .none) { return a.pyStr }
            if let a = args.keyword.first(where: { $0.0 == "attribute" })?.1, !(a == .none) { return a.pyStr }
            return nil
        }
        func items() throws -> [JinjaValue] { try iterate(v, JinjaLocation(line: 0, column: 0)) }

        switch name {
        case "trim":
            return .string(PyFormat.strip(v.pyStr, chars: args.value(0, "chars").flatMap { $0 == .none ? nil : $0.pyStr },
                                          leading: true, trailing: true))
        case "length", "count":
            switch v {
            case .undefined: return .int(0)
            case .string(let s): return .int(s.unicodeScalars.count)
            case .array(let a), .tuple(let a): return .int(a.count)
            case .object(let o): return .int(o.count)
            default: throw JinjaFailure("object of type '\(v.typeName)' has no len()")
            }
        case "tojson":
            var indent: String? = nil
            switch args.value(0, "indent") {
            case .int(let n)?: indent = String(repeating: " ", count: max(n, 0))
            case .string(let s)?: indent = s
            default: break
            }
            var itemSep: String? = nil, keySep: String? = nil
            if case .tuple(let s)? = args.value(2, "separators"), s.count == 2 { itemSep = s[0].pyStr; keySep = s[1].pyStr }
            if case .array(let s)? = args.value(2, "separators"), s.count == 2 { itemSep = s[0].pyStr; keySep = s[1].pyStr }
            if case .undefined(let why) = v { throw JinjaFailure(why) }
            return .string(try PyFormat.jsonDumps(v, indent: indent, itemSeparator: itemSep, keySeparator: keySep,
                                                   sortKeys: bool(3, "sort_keys")))
        case "upper": return .string(v.pyStr.uppercased())
        case "lower": return .string(v.pyStr.lowercased())
        case "capitalize": return .string(PyFormat.capitalize(v.pyStr))
        case "title": return .string(PyFormat.jinjaTitle(v.pyStr))
        case "string": return .string(v.pyStr)
        case "safe": return v
        case "e", "escape", "forceescape": return .string(PyFormat.htmlEscape(v.pyStr))
        case "replace":
            let count: Int
            if case .int(let c)? = args.value(2, "count")?.number { count = c } else { count = -1 }
            return .string(PyFormat.replace(v.pyStr, str(0, "old", ""), str(1, "new", ""), count: count))
        case "default", "d":
            let useDefault = v.isUndefined || (bool(1, "boolean") && !v.truthy)
            return useDefault ? (args.value(0, "default_value") ?? .string("")) : v
        case "join":
            var parts = try items()
            if let a = attribute(1) { parts = try parts.map { try attributePath($0, a) } }
            return .string(parts.map(\.pyStr).joined(separator: str(0, "d", "")))
        case "first":
            return try items().first ?? .undefined("No first item, sequence was empty.")
        case "last":
            return try items().last ?? .undefined("No last item, sequence was empty.")
        case "list": return .array(try items())
        case "reverse":
            if case .string(let s) = v { return .string(PyFormat.string(s.unicodeScalars.reversed())) }
            return .array(try items().reversed())
        case "items":
            switch v {
            case .undefined: return .array([])
            case .object(let o): return .array(o.pairs.map { .tuple([.string($0.0), $0.1]) })
            default: throw JinjaFailure("Can only get item pairs from a mapping.")
            }
        case "dictsort":
            guard case .object(let o) = v else { throw JinjaFailure("dictsort filter requires a mapping") }
            let byValue = str(1, "by", "key") == "value"
            let caseSensitive = bool(0, "case_sensitive")
            let sorted = try stableSort(o.pairs.map { JinjaValue.tuple([.string($0.0), $0.1]) }, reverse: bool(2, "reverse")) {
                guard case .tuple(let t) = $0 else { return $0 }
                return caseSensitive ? t[byValue ? 1 : 0] : lowered(t[byValue ? 1 : 0])
            }
            return .array(sorted)
        case "sort":
            let caseSensitive = bool(1, "case_sensitive")
            let attr = attribute(2)
            return .array(try stableSort(try items(), reverse: bool(0, "reverse")) { item in
                let key = try attr.map { a in try self.attributePath(item, a) } ?? item
                return caseSensitive ? key : self.lowered(key)
            })
        case "unique":
            let caseSensitive = bool(0, "case_sensitive")
            let attr = attribute(1)
            var seen: [JinjaValue] = [], out: [JinjaValue] = []
            for item in try items() {
                let key0 = try attr.map { try attributePath(item, $0) } ?? item
                let key = caseSensitive ? key0 : lowered(key0)
                if !seen.contains(where: { JinjaValue.pyEqual($0, key) }) { seen.append(key); out.append(item) }
            }
            return .array(out)
        case "min", "max":
            let caseSensitive = bool(0, "case_sensitive")
            let attr = attribute(1)
            let sorted = try stableSort(try items(), reverse: false) { item in
                let key = try attr.map { a in try self.attributePath(item, a) } ?? item
                return caseSensitive ? key : self.lowered(key)
            }
            return (name == "min" ? sorted.first : sorted.last) ?? .undefined("No aggregated item, sequence was empty.")
        case "sum":
            var total = args.value(1, "start") ?? .int(0)
            for item in try items() {
                total = try JinjaOperators.binary("+", total, try attribute().map { try attributePath(item, $0) } ?? item)
            }
            return total
        case "abs":
            switch v.number {
            case .int(let i)?: return .int(abs(i))
            case .double(let d)?: return .double(abs(d))
            case nil: throw JinjaFailure("bad operand type for abs(): '\(v.typeName)'")
            }
        case "int":
            let def = args.value(0, "default") ?? .int(0)
            switch v {
            case .int, .bool: return .int(v.number.map { if case .int(let i) = $0 { return i }; return 0 } ?? 0)
            case .double(let d): return d.isFinite ? .int(Int(d.rounded(.towardZero))) : def
            case .string(let s):
                let t = PyFormat.strip(s, chars: nil, leading: true, trailing: true).replacingOccurrences(of: "_", with: "")
                if let i = Int(t, radix: Int(str(1, "base", "10")) ?? 10) { return .int(i) }
                if let d = Double(t), d.isFinite { return .int(Int(d.rounded(.towardZero))) }
                return def
            default: return def
            }
        case "float":
            let def = args.value(0, "default") ?? .double(0)
            switch v.number {
            case .int(let i)?: return .double(Double(i))
            case .double(let d)?: return .double(d)
            case nil:
                if case .string(let s) = v, let d = Double(PyFormat.strip(s, chars: nil, leading: true, trailing: true)) { return .double(d) }
                return def
            }
        case "round":
            guard let n = v.number else { throw JinjaFailure("round filter needs a number") }
            let precision: Int
            if case .int(let p)? = args.value(0, "precision")?.number { precision = p } else { precision = 0 }
            let method = str(1, "method", "common")
            let scale = Foundation.pow(10.0, Double(precision))
            let x = n.double * scale
            let r: Double
            switch method {
            case "ceil": r = x.rounded(.up)
            case "floor": r = x.rounded(.down)
            case "common": r = x.rounded(.toNearestOrEven)
            default: throw JinjaFailure("method must be common, ceil or floor")
            }
            return .double(r / scale)
        case "indent":
            let width: String
            if case .string(let w)? = args.value(0, "width") { width = w }
            else if case .int(let w)? = args.value(0, "width")?.number { width = String(repeating: " ", count: w) }
            else { width = "    " }
            let lines = PyFormat.splitLines(v.pyStr + "\n")
            var rv: String
            if bool(2, "blank") {
                rv = lines.joined(separator: "\n" + width)
            } else {
                rv = lines.first ?? ""
                let rest = lines.dropFirst()
                if !rest.isEmpty { rv += "\n" + rest.map { $0.isEmpty ? $0 : width + $0 }.joined(separator: "\n") }
            }
            return .string(bool(1, "first") ? width + rv : rv)
        case "center":
            let width: Int
            if case .int(let w)? = args.value(0, "width")?.number { width = w } else { width = 80 }
            let s = v.pyStr, n = s.unicodeScalars.count
            guard width > n else { return .string(s) }
            let left = (width - n) / 2 + ((width - n) & width & 1)
            return .string(String(repeating: " ", count: left) + s + String(repeating: " ", count: width - n - left))
        case "wordcount":
            var count = 0, inWord = false
            for u in v.pyStr.unicodeScalars {
                let w = u.properties.isAlphabetic || u.properties.numericType != nil || u == "_"
                if w && !inWord { count += 1 }
                inWord = w
            }
            return .int(count)
        case "format":
            let fmtArgs: JinjaValue = args.positional.count == 1 ? args.positional[0] : .tuple(args.positional)
            return .string(try PyFormat.percentFormat(v.pyStr, fmtArgs))
        case "attr":
            return try getAttr(v, str(0, "name", ""))
        case "map":
            if let a = attribute() {
                let def = args.keyword.first { $0.0 == "default" }?.1
                return .array(try items().map { item in
                    let r = try attributePath(item, a)
                    if r.isUndefined, let def { return def }
                    return r
                })
            }
            guard case .string(let filterName)? = args.positional.first else { throw JinjaFailure("map requires a filter name") }
            let rest = Arguments(positional: Array(args.positional.dropFirst()), keyword: args.keyword)
            return .array(try items().map { try applyFilter(filterName, $0, rest, scope) })
        case "select", "reject":
            guard case .string(let testName)? = args.positional.first else {
                return .array(try items().filter { $0.truthy == (name == "select") })
            }
            let rest = Arguments(positional: Array(args.positional.dropFirst()), keyword: args.keyword)
            return .array(try items().filter { try applyTest(testName, $0, rest, scope) == (name == "select") })
        case "selectattr", "rejectattr":
            guard case .string(let attr)? = args.positional.first else { throw JinjaFailure("Missing parameter for attribute name") }
            let keep = name == "selectattr"
            if args.positional.count < 2 { return .array(try items().filter { try attributePath($0, attr).truthy == keep }) }
            guard case .string(let testName) = args.positional[1] else { throw JinjaFailure("test name must be a string") }
            let rest = Arguments(positional: Array(args.positional.dropFirst(2)), keyword: args.keyword)
            return .array(try items().filter { try applyTest(testName, try attributePath($0, attr), rest, scope) == keep })
        case "batch":
            guard case .int(let size)? = args.value(0, "linecount")?.number, size > 0 else { throw JinjaFailure("batch needs a positive size") }
            let all = try items()
            var out: [JinjaValue] = []
            var i = 0
            while i < all.count {
                var chunk = Array(all[i..<min(i + size, all.count)])
                if chunk.count < size, let fill = args.value(1, "fill_with") { chunk += Array(repeating: fill, count: size - chunk.count) }
                out.append(.array(chunk))
                i += size
            }
            return .array(out)
        default:
            throw JinjaFailure("No filter named '\(name)'.")
        }
    }

    /// Jinja's `make_attrgetter`: dotted path, integer parts index sequences.
    func attributePath(_ v: JinjaValue, _ path: String) throws -> JinjaValue {
        var cur = v
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            let key: JinjaValue = Int(part).map { .int($0) } ?? .string(String(part))
            cur = try getItem(cur, key)
        }
        return cur
    }

    func lowered(_ v: JinjaValue) -> JinjaValue {
        if case .string(let s) = v { return .string(s.lowercased()) }
        return v
    }

    /// Python's `sorted(key=…, reverse=…)`: stable, and reverse keeps equal items in original order.
    func stableSort(_ items: [JinjaValue], reverse: Bool, key: (JinjaValue) throws -> JinjaValue) throws -> [JinjaValue] {
        let keyed = try items.enumerated().map { ($0.offset, try key($0.element), $0.element) }
        var failure: Error?
        let sorted = keyed.sorted { a, b in
            do {
                let c = try JinjaOperators.order(a.1, b.1)
                if c != 0 { return reverse ? c > 0 : c < 0 }
            } catch { failure = failure ?? error }
            return a.0 < b.0
        }
        if let failure { throw failure }
        return sorted.map(\.2)
    }

    // MARK: Tests

    func applyTest(_ name: String, _ v: JinjaValue, _ args: Arguments, _ scope: JinjaScope) throws -> Bool {
        let other = args.value(0, "value") ?? .none
        switch name {
        case "defined": return !v.isUndefined
        case "undefined": return v.isUndefined
        case "none": return v == .none && !v.isUndefined
        case "boolean": if case .bool = v { return true }; return false
        case "true": if case .bool(true) = v { return true }; return false
        case "false": if case .bool(false) = v { return true }; return false
        case "string": if case .string = v { return true }; return false
        case "mapping": if case .object = v { return true }; return false
        case "number": return v.number != nil
        case "integer": if case .int = v { return true }; return false
        case "float": if case .double = v { return true }; return false
        case "sequence":
            switch v { case .string, .array, .tuple, .object: return true; default: return false }
        case "iterable":
            switch v { case .string, .array, .tuple, .object, .undefined: return true; default: return false }
        case "callable": if case .function = v { return true }; return false
        case "odd", "even":
            guard case .int(let i)? = v.number else { throw JinjaFailure("\(name) test needs an integer") }
            return (i & 1 == 1) == (name == "odd")
        case "divisibleby":
            guard case .int(let i)? = v.number, case .int(let n)? = other.number, n != 0 else {
                throw JinjaFailure("divisibleby needs non-zero integers")
            }
            return i % n == 0
        case "eq", "equalto", "==": return JinjaValue.pyEqual(v, other)
        case "ne", "!=": return !JinjaValue.pyEqual(v, other)
        case "lt", "lessthan", "<": return try JinjaOperators.order(v, other) < 0
        case "le", "<=": return try JinjaOperators.order(v, other) <= 0
        case "gt", "greaterthan", ">": return try JinjaOperators.order(v, other) > 0
        case "ge", ">=": return try JinjaOperators.order(v, other) >= 0
        case "in": return try JinjaOperators.contains(other, v)
        case "sameas":
            switch (v, other) {
            case (.none, .none), (.bool(true), .bool(true)), (.bool(false), .bool(false)): return true
            case (.namespace(let a), .namespace(let b)): return a === b
            case (.bool, _), (_, .bool), (.none, _), (_, .none): return false
            default: return JinjaValue.pyEqual(v, other) && v.typeName == other.typeName
            }
        case "lower": return v.pyStr == v.pyStr.lowercased()
        case "upper": return v.pyStr == v.pyStr.uppercased()
        case "filter":
            guard case .string(let n) = v else { return false }
            return JinjaBuiltins.filters.contains(n)
        default:
            throw JinjaFailure("No test named '\(name)'.")
        }
    }
}

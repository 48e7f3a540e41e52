/// Python methods callable from templates on strings, dicts and lists (`s.strip()`,
/// `d.items()`, …). Mutating methods are refused, as in transformers' `ImmutableSandboxedEnvironment`.
enum JinjaMethods {
    static let stringMethods: Set<String> = [
        "upper", "lower", "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith",
        "replace", "title", "capitalize", "find", "rfind", "count", "join", "isdigit", "isalpha", "isalnum",
        "isspace", "isupper", "islower", "removeprefix", "removesuffix", "index", "swapcase",
    ]
    static let dictMethods: Set<String> = ["items", "keys", "values", "get", "copy"]
    static let listMethods: Set<String> = ["count", "index", "copy"]
    static let mutating: Set<String> = [
        "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "update", "setdefault", "popitem",
    ]

    static func isMethod(_ name: String, of v: JinjaValue) -> Bool {
        switch v {
        case .string: return stringMethods.contains(name)
        case .object: return dictMethods.contains(name) || mutating.contains(name)
        case .array: return listMethods.contains(name) || mutating.contains(name)
        default: return false
        }
    }

    static func call(_ name: String, on receiver: JinjaValue, _ args: JinjaRenderer.Arguments) throws -> JinjaValue {
        if mutating.contains(name) {
            throw JinjaFailure("access to attribute '\(name)' of '\(receiver.typeName)' object is unsafe.")
        }
        switch receiver {
        case .string(let s): return try stringMethod(name, s, args)
        case .object(let o):
            switch name {
            case "items": return .array(o.pairs.map { .tuple([.string($0.0), $0.1]) })
            case "keys": return .array(o.keys.map { .string($0) })
            case "values": return .array(o.pairs.map { $0.1 })
            case "copy": return receiver
            case "get":
                guard case .string(let k)? = args.value(0, "key") else { return args.value(1, "default") ?? .none }
                return o[k] ?? args.value(1, "default") ?? .none
            default: break
            }
        case .array(let a):
            switch name {
            case "copy": return receiver
            case "count": return .int(a.filter { JinjaValue.pyEqual($0, args.value(0, "x") ?? .none) }.count)
            case "index":
                if let i = a.firstIndex(where: { JinjaValue.pyEqual($0, args.value(0, "x") ?? .none) }) { return .int(i) }
                throw JinjaFailure("value is not in list")
            default: break
            }
        default: break
        }
        throw JinjaFailure("'\(receiver.typeName)' object has no attribute '\(name)'")
    }

    private static func optionalString(_ v: JinjaValue?) throws -> String? {
        switch v {
        case nil, .none?: return nil
        case .string(let s)?: return s
        case let other?: throw JinjaFailure("expected a string argument, got \(other.typeName)")
        }
    }

    private static func stringMethod(_ name: String, _ s: String, _ args: JinjaRenderer.Arguments) throws -> JinjaValue {
        func arg(_ i: Int, _ n: String) throws -> String {
            guard case .string(let v)? = args.value(i, n) else { throw JinjaFailure("\(name)() argument must be str") }
            return v
        }
        func intArg(_ i: Int, _ n: String, _ def: Int) throws -> Int {
            guard let v = args.value(i, n) else { return def }
            guard case .int(let x)? = v.number else { throw JinjaFailure("\(name)() argument must be int") }
            return x
        }
        switch name {
        case "upper": return .string(s.uppercased())
        case "lower": return .string(s.lowercased())
        case "swapcase":
            return .string(s.unicodeScalars.map { u in
                let c = String(u)
                return u.properties.isUppercase ? c.lowercased() : u.properties.isLowercase ? c.uppercased() : c
            }.joined())
        case "strip", "lstrip", "rstrip":
            return .string(PyFormat.strip(s, chars: try optionalString(args.value(0, "chars")),
                                          leading: name != "rstrip", trailing: name != "lstrip"))
        case "split":
            return .array(PyFormat.split(s, sep: try optionalString(args.value(0, "sep")),
                                         maxSplit: try intArg(1, "maxsplit", -1)).map { .string($0) })
        case "rsplit":
            let sep = try optionalString(args.value(0, "sep"))
            let maxSplit = try intArg(1, "maxsplit", -1)
            let rev = { (x: String) in PyFormat.string(x.unicodeScalars.reversed()) }
            let parts = PyFormat.split(rev(s), sep: sep.map(rev), maxSplit: maxSplit)
            return .array(parts.reversed().map { .string(rev($0)) })
        case "splitlines": return .array(PyFormat.splitLines(s).map { .string($0) })
        case "startswith", "endswith":
            let candidates: [String]
            switch args.value(0, name == "startswith" ? "prefix" : "suffix") {
            case .string(let p)?: candidates = [p]
            case .tuple(let t)?, .array(let t)?: candidates = t.compactMap { if case .string(let x) = $0 { return x }; return nil }
            default: throw JinjaFailure("\(name) first arg must be str or a tuple of str")
            }
            let u = Array(s.unicodeScalars)
            return .bool(candidates.contains { c in
                let p = Array(c.unicodeScalars)
                guard p.count <= u.count else { return false }
                return name == "startswith" ? Array(u[0..<p.count]) == p : Array(u[(u.count - p.count)...]) == p
            })
        case "removeprefix", "removesuffix":
            let p = try arg(0, name == "removeprefix" ? "prefix" : "suffix")
            let u = Array(s.unicodeScalars), q = Array(p.unicodeScalars)
            guard !q.isEmpty, q.count <= u.count else { return .string(s) }
            if name == "removeprefix" { return .string(Array(u[0..<q.count]) == q ? PyFormat.string(u[q.count...]) : s) }
            return .string(Array(u[(u.count - q.count)...]) == q ? PyFormat.string(u[0..<(u.count - q.count)]) : s)
        case "replace": return .string(PyFormat.replace(s, try arg(0, "old"), try arg(1, "new"), count: try intArg(2, "count", -1)))
        case "title": return .string(PyFormat.pythonTitle(s))
        case "capitalize": return .string(PyFormat.capitalize(s))
        case "find": return .int(PyFormat.find(s, try arg(0, "sub")))
        case "rfind": return .int(PyFormat.find(s, try arg(0, "sub"), last: true))
        case "index":
            let i = PyFormat.find(s, try arg(0, "sub"))
            guard i >= 0 else { throw JinjaFailure("substring not found") }
            return .int(i)
        case "count":
            let sub = try arg(0, "sub")
            if sub.isEmpty { return .int(s.unicodeScalars.count + 1) }
            return .int(PyFormat.split(s, sep: sub, maxSplit: -1).count - 1)
        case "join":
            guard let v = args.value(0, "iterable") else { throw JinjaFailure("join() takes exactly one argument") }
            let items: [JinjaValue]
            switch v {
            case .array(let a), .tuple(let a): items = a
            case .string(let x): items = x.unicodeScalars.map { .string(String($0)) }
            case .object(let o): items = o.keys.map { .string($0) }
            default: throw JinjaFailure("can only join an iterable")
            }
            return .string(try items.map { item -> String in
                guard case .string(let x) = item else { throw JinjaFailure("sequence item: expected str instance, \(item.typeName) found") }
                return x
            }.joined(separator: s))
        case "isdigit": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.numericType != nil })
        case "isalpha": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic })
        case "isalnum":
            return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil })
        case "isspace": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy(PyFormat.isSpace))
        case "isupper":
            let cased = s.unicodeScalars.filter { $0.properties.isCased }
            return .bool(!cased.isEmpty && cased.allSatisfy { !$0.properties.isLowercase })
        case "islower":
            let cased = s.unicodeScalars.filter { $0.properties.isCased }
            return .bool(!cased.isEmpty && cased.allSatisfy { !$0.properties.isUppercase })
        default: throw JinjaFailure("'str' object has no attribute '\(name)'")
        }
    }
}

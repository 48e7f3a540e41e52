import Foundation

/// A value seen by a Jinja template. It mirrors the Python objects a Hugging Face chat template
/// receives (JSON scalars, lists, insertion-ordered dicts), plus Jinja's own `Undefined`, tuples,
/// namespaces and callables, because the rendered text depends on Python's exact `str()`/`repr()`.
public indirect enum JinjaValue: Sendable {
    /// Jinja's `Undefined`: prints as "", iterates as empty, fails on attribute access.
    /// The payload names what was missing, for error messages.
    case undefined(String)
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JinjaValue])
    /// Python tuple (prints with parentheses; produced by `items()`, `(a, b)`, tuple unpacking).
    case tuple([JinjaValue])
    case object(JinjaObject)
    /// `namespace(...)`: the one mutable object templates may write to (`{% set ns.x = ... %}`).
    case namespace(JinjaNamespace)
    case function(JinjaFunction)
}

/// An insertion-ordered string-keyed dictionary, like a Python `dict` built from JSON.
public struct JinjaObject: Sendable, Equatable {
    public private(set) var keys: [String] = []
    private var storage: [String: JinjaValue] = [:]

    public init() {}
    public init(_ pairs: [(String, JinjaValue)]) {
        for (key, value) in pairs { self[key] = value }
    }

    public subscript(key: String) -> JinjaValue? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public var count: Int { keys.count }
    public var pairs: [(String, JinjaValue)] { keys.map { ($0, storage[$0]!) } }

    public static func == (lhs: JinjaObject, rhs: JinjaObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for key in lhs.keys {
            guard let other = rhs.storage[key], JinjaValue.pyEqual(lhs.storage[key]!, other) else { return false }
        }
        return true
    }
}

/// Reference-typed attribute bag behind `namespace()`. Instances are created by the renderer during
/// one `render` call and never outlive it (the render result is a `String`), so the unchecked
/// sendability cannot be observed across threads.
public final class JinjaNamespace: @unchecked Sendable {
    var attributes: JinjaObject
    init(_ attributes: JinjaObject) { self.attributes = attributes }
}

/// Something callable from a template: a global (`range`, `namespace`, `raise_exception`, …), a
/// method bound to a receiver (`'a'.upper`), a `loop.cycle`, or a user macro.
public struct JinjaFunction: Sendable {
    indirect enum Kind: Sendable {
        case global(String)
        case method(receiver: JinjaValue, name: String)
        case loopCycle(index: Int)
        case macro(JinjaMacro)
    }
    let kind: Kind
}

/// A `{% macro %}` closed over the scope it was defined in. Like `JinjaNamespace`, it only lives
/// inside one render call.
final class JinjaMacro: @unchecked Sendable {
    let name: String
    let parameters: [(name: String, defaultValue: JinjaExpr?)]
    let body: [JinjaStmt]
    let scope: JinjaScope
    init(name: String, parameters: [(name: String, defaultValue: JinjaExpr?)], body: [JinjaStmt], scope: JinjaScope) {
        self.name = name
        self.parameters = parameters
        self.body = body
        self.scope = scope
    }
}

// MARK: - Literals and conversion from JSON

extension JinjaValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: JinjaValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JinjaValue)...) { self = .object(JinjaObject(elements)) }
    public init(nilLiteral: ()) { self = .none }

    /// Parses JSON text keeping object key order (Python's `json.loads` does), which matters for
    /// `tojson` and `items()` output.
    public init(jsonText: String) throws {
        var parser = OrderedJSONParser(Array(jsonText.unicodeScalars))
        self = try parser.parseDocument()
    }
}

// MARK: - Python semantics

extension JinjaValue {
    var isUndefined: Bool { if case .undefined = self { return true }; return false }

    /// Python truthiness.
    var truthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .array(let a), .tuple(let a): return !a.isEmpty
        case .object(let o): return o.count > 0
        case .namespace, .function: return true
        }
    }

    /// Python type name, used in error messages the way Python words them.
    var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .array: return "list"
        case .tuple: return "tuple"
        case .object: return "dict"
        case .namespace: return "Namespace"
        case .function: return "function"
        }
    }

    /// Numeric view (bool counts as int, as in Python).
    enum Number { case int(Int), double(Double) }
    var number: Number? {
        switch self {
        case .bool(let b): return .int(b ? 1 : 0)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        default: return nil
        }
    }

    /// Python `==`.
    static func pyEqual(_ a: JinjaValue, _ b: JinjaValue) -> Bool {
        if let x = a.number, let y = b.number {
            switch (x, y) {
            case (.int(let p), .int(let q)): return p == q
            case (.int(let p), .double(let q)): return Double(p) == q
            case (.double(let p), .int(let q)): return p == Double(q)
            case (.double(let p), .double(let q)): return p == q
            }
        }
        switch (a, b) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.string(let x), .string(let y)): return x.unicodeScalars.elementsEqual(y.unicodeScalars)
        case (.array(let x), .array(let y)), (.tuple(let x), .tuple(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { pyEqual($0, $1) }
        case (.object(let x), .object(let y)): return x == y
        case (.namespace(let x), .namespace(let y)): return x === y
        default: return false
        }
    }

    /// Python `str()`.
    var pyStr: String {
        switch self {
        case .undefined: return ""
        case .string(let s): return s
        default: return pyRepr
        }
    }

    /// Python `repr()`.
    var pyRepr: String {
        switch self {
        case .undefined: return ""
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d): return PyFormat.floatRepr(d)
        case .string(let s): return PyFormat.stringRepr(s)
        case .array(let a): return "[" + a.map(\.pyRepr).joined(separator: ", ") + "]"
        case .tuple(let a):
            return a.count == 1 ? "(" + a[0].pyRepr + ",)" : "(" + a.map(\.pyRepr).joined(separator: ", ") + ")"
        case .object(let o):
            return "{" + o.pairs.map { PyFormat.stringRepr($0.0) + ": " + $0.1.pyRepr }.joined(separator: ", ") + "}"
        case .namespace(let n): return "<Namespace " + JinjaValue.object(n.attributes).pyRepr + ">"
        case .function(let f): return "<function \(f.displayName)>"
        }
    }
}

/// Python `==` (so `1 == 1.0` and `True == 1`, as templates see them).
extension JinjaValue: Equatable {
    public static func == (lhs: JinjaValue, rhs: JinjaValue) -> Bool { pyEqual(lhs, rhs) }
}

extension JinjaFunction {
    var displayName: String {
        switch kind {
        case .global(let n): return n
        case .method(_, let n): return n
        case .loopCycle: return "cycle"
        case .macro(let m): return m.name
        }
    }
}

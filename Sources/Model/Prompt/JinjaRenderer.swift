import Foundation

/// A variable frame. Like Jinja, `for` bodies and macro calls get a fresh child frame per
/// iteration/call (so `set` inside them never leaks out); `if` does not.
final class JinjaScope {
    private var vars: [String: JinjaValue] = [:]
    let parent: JinjaScope?
    init(parent: JinjaScope?) { self.parent = parent }

    func lookup(_ name: String) -> JinjaValue? {
        var s: JinjaScope? = self
        while let cur = s {
            if let v = cur.vars[name] { return v }
            s = cur.parent
        }
        return nil
    }
    func set(_ name: String, _ value: JinjaValue) { vars[name] = value }
}

/// Evaluates a parsed template. One instance per `render` call; not shared between threads.
final class JinjaRenderer {
    enum Flow { case normal, breakLoop, continueLoop }

    let options: JinjaTemplate.Options
    private var callDepth = 0
    private var outputBytes = 0

    init(options: JinjaTemplate.Options) { self.options = options }

    // MARK: Statements

    func render(_ body: [JinjaStmt], scope: JinjaScope) throws -> String {
        var out = ""
        _ = try exec(body, scope: scope, into: &out)
        return out
    }

    private func emit(_ s: String, _ out: inout String, _ loc: JinjaLocation) throws {
        outputBytes += s.utf8.count
        guard outputBytes <= options.maxOutputBytes else {
            throw JinjaError.limit(message: "output larger than \(options.maxOutputBytes) bytes", location: loc)
        }
        out += s
    }

    func exec(_ body: [JinjaStmt], scope: JinjaScope, into out: inout String) throws -> Flow {
        for stmt in body {
            switch stmt {
            case .text(let s):
                try emit(s, &out, JinjaLocation(line: 0, column: 0))
            case .output(let e):
                try emit(try eval(e, scope).pyStr, &out, e.location)
            case .ifChain(let branches, let elseBody):
                var taken = false
                for (cond, b) in branches {
                    guard try eval(cond, scope).truthy else { continue }
                    taken = true
                    let f = try exec(b, scope: scope, into: &out)
                    if f != .normal { return f }
                    break
                }
                if !taken {
                    let f = try exec(elseBody, scope: scope, into: &out)
                    if f != .normal { return f }
                }
            case .forLoop(let loop):
                try execFor(loop, scope: scope, into: &out)
            case .assign(let target, let e, let loc):
                try assign(target, try eval(e, scope), scope: scope, loc)
            case .assignBlock(let target, let filter, let b, let loc):
                var captured = ""
                _ = try exec(b, scope: scope, into: &captured)
                var v = JinjaValue.string(captured)
                if let filter { v = try applyFilterChain(filter, to: v, scope) }
                try assign(target, v, scope: scope, loc)
            case .macro(let name, let params, let b):
                let m = JinjaMacro(name: name, parameters: params, body: b, scope: scope)
                scope.set(name, .function(JinjaFunction(kind: .macro(m))))
            case .filterBlock(let filter, let b):
                var captured = ""
                _ = try exec(b, scope: scope, into: &captured)
                try emit(try applyFilterChain(filter, to: .string(captured), scope).pyStr, &out, filter.location)
            case .generation(let b):
                let f = try exec(b, scope: scope, into: &out)
                if f != .normal { return f }
            case .breakLoop: return .breakLoop
            case .continueLoop: return .continueLoop
            }
        }
        return .normal
    }

    private func assign(_ target: JinjaTarget, _ value: JinjaValue, scope: JinjaScope, _ loc: JinjaLocation) throws {
        switch target {
        case .name(let n): scope.set(n, value)
        case .tuple(let names):
            let items = try unpack(value, count: names.count, loc)
            for (n, v) in zip(names, items) { scope.set(n, v) }
        case .attribute(let n, let attr):
            guard case .namespace(let ns)? = scope.lookup(n) else {
                throw JinjaError.render(message: "cannot assign attribute on non-namespace object", location: loc)
            }
            ns.attributes[attr] = value
        }
    }

    private func unpack(_ value: JinjaValue, count: Int, _ loc: JinjaLocation) throws -> [JinjaValue] {
        let items = try iterate(value, loc)
        guard items.count == count else {
            throw JinjaError.render(message: items.count > count ? "too many values to unpack (expected \(count))"
                : "not enough values to unpack (expected \(count), got \(items.count))", location: loc)
        }
        return items
    }

    private func execFor(_ loop: JinjaForLoop, scope: JinjaScope, into out: inout String) throws {
        var items = try iterate(try eval(loop.iterable, scope), loop.iterable.location)
        if let cond = loop.condition {
            items = try items.filter { item in
                let s = JinjaScope(parent: scope)
                try assign(loop.target, item, scope: s, loop.location)
                return try eval(cond, s).truthy
            }
        }
        if items.isEmpty {
            _ = try exec(loop.elseBody, scope: scope, into: &out)
            return
        }
        let n = items.count
        for (i, item) in items.enumerated() {
            let s = JinjaScope(parent: scope)
            try assign(loop.target, item, scope: s, loop.location)
            var info = JinjaObject()
            info["index"] = .int(i + 1)
            info["index0"] = .int(i)
            info["revindex"] = .int(n - i)
            info["revindex0"] = .int(n - i - 1)
            info["first"] = .bool(i == 0)
            info["last"] = .bool(i == n - 1)
            info["length"] = .int(n)
            info["depth"] = .int(1)
            info["depth0"] = .int(0)
            info["previtem"] = i > 0 ? items[i - 1] : .undefined("there is no previous item")
            info["nextitem"] = i + 1 < n ? items[i + 1] : .undefined("there is no next item")
            info["cycle"] = .function(JinjaFunction(kind: .loopCycle(index: i)))
            s.set("loop", .object(info))
            let f = try exec(loop.body, scope: s, into: &out)
            if f == .breakLoop { break }
        }
    }

    /// Python iteration: lists/tuples by element, dicts by key, strings by code point; Undefined is empty.
    func iterate(_ v: JinjaValue, _ loc: JinjaLocation) throws -> [JinjaValue] {
        switch v {
        case .undefined: return []
        case .array(let a), .tuple(let a): return a
        case .object(let o): return o.keys.map { .string($0) }
        case .string(let s): return s.unicodeScalars.map { .string(String($0)) }
        default: throw JinjaError.render(message: "'\(v.typeName)' object is not iterable", location: loc)
        }
    }

    // MARK: Expressions

    func eval(_ e: JinjaExpr, _ scope: JinjaScope) throws -> JinjaValue {
        do {
            return try evalUnlocated(e, scope)
        } catch let f as JinjaFailure {
            throw JinjaError.render(message: f.message, location: e.location)
        }
    }

    private func evalUnlocated(_ e: JinjaExpr, _ scope: JinjaScope) throws -> JinjaValue {
        switch e.kind {
        case .literal(let v): return v
        case .name(let n):
            if let v = scope.lookup(n) { return v }
            if JinjaGlobals.names.contains(n) { return .function(JinjaFunction(kind: .global(n))) }
            return .undefined("'\(n)' is undefined")
        case .list(let items): return .array(try items.map { try eval($0, scope) })
        case .tuple(let items): return .tuple(try items.map { try eval($0, scope) })
        case .dict(let pairs):
            var o = JinjaObject()
            for (k, v) in pairs {
                guard case .string(let key) = try eval(k, scope) else { throw JinjaFailure("only string keys are supported in dict literals") }
                o[key] = try eval(v, scope)
            }
            return .object(o)
        case .getAttr(let base, let name):
            return try getAttr(try eval(base, scope), name)
        case .getItem(let base, let index):
            let b = try eval(base, scope)
            if case .slice(let lo, let hi, let step) = index.kind {
                return try slice(b, try lo.map { try eval($0, scope) }, try hi.map { try eval($0, scope) },
                                 try step.map { try eval($0, scope) })
            }
            return try getItem(b, try eval(index, scope))
        case .slice: throw JinjaFailure("slice outside of a subscript")
        case .call(let callee, let args):
            let f = try eval(callee, scope)
            return try call(f, try evalArgs(args, scope), at: e.location)
        case .filter(let operand, let name, let args):
            guard let operand else { throw JinjaFailure("filter without operand") }
            return try applyFilter(name, try eval(operand, scope), try evalArgs(args, scope), scope)
        case .test(let operand, let name, let args):
            return .bool(try applyTest(name, try eval(operand, scope), try evalArgs(args, scope), scope))
        case .negate(let x):
            switch try eval(x, scope).number {
            case .int(let i)?: return .int(-i)
            case .double(let d)?: return .double(-d)
            case nil: throw JinjaFailure("bad operand type for unary -")
            }
        case .plus(let x):
            let v = try eval(x, scope)
            guard v.number != nil else { throw JinjaFailure("bad operand type for unary +: '\(v.typeName)'") }
            if case .bool(let b) = v { return .int(b ? 1 : 0) }
            return v
        case .not(let x): return .bool(!(try eval(x, scope).truthy))
        case .and(let a, let b):
            let l = try eval(a, scope)
            return l.truthy ? try eval(b, scope) : l
        case .or(let a, let b):
            let l = try eval(a, scope)
            return l.truthy ? l : try eval(b, scope)
        case .binary(let op, let a, let b):
            return try JinjaOperators.binary(op, try eval(a, scope), try eval(b, scope))
        case .compare(let first, let ops):
            var left = try eval(first, scope)
            for (op, rhs) in ops {
                let right = try eval(rhs, scope)
                guard try JinjaOperators.compare(op, left, right) else { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .concat(let items):
            return .string(try items.map { try eval($0, scope).pyStr }.joined())
        case .conditional(let test, let then, let otherwise):
            if try eval(test, scope).truthy { return try eval(then, scope) }
            return try otherwise.map { try eval($0, scope) } ?? .undefined("the inline if-expression evaluated to false and no else section was defined")
        }
    }

    struct Arguments {
        var positional: [JinjaValue]
        var keyword: [(String, JinjaValue)]

        /// Positional argument `i`, or keyword `name`, or nil.
        func value(_ i: Int, _ name: String) -> JinjaValue? {
            if i < positional.count { return positional[i] }
            return keyword.first { $0.0 == name }?.1
        }
    }

    func evalArgs(_ a: JinjaArgs, _ scope: JinjaScope) throws -> Arguments {
        Arguments(positional: try a.positional.map { try eval($0, scope) },
                  keyword: try a.keyword.map { ($0.0, try eval($0.1, scope)) })
    }

    /// Applies a parsed filter chain (from `{% filter %}` / `{% set x | f %}`) to a value.
    private func applyFilterChain(_ chain: JinjaExpr, to value: JinjaValue, _ scope: JinjaScope) throws -> JinjaValue {
        guard case .filter(let inner, let name, let args) = chain.kind else { return try eval(chain, scope) }
        let base = try inner.map { try applyFilterChain($0, to: value, scope) } ?? value
        do {
            return try applyFilter(name, base, try evalArgs(args, scope), scope)
        } catch let f as JinjaFailure {
            throw JinjaError.render(message: f.message, location: chain.location)
        }
    }

    // MARK: Attribute and item access (jinja2 `Environment.getattr` / `getitem`)

    func getAttr(_ base: JinjaValue, _ name: String) throws -> JinjaValue {
        switch base {
        case .undefined(let why): throw JinjaFailure(why)
        case .namespace(let ns):
            return ns.attributes[name] ?? .undefined("'Namespace' object has no attribute '\(name)'")
        case .object(let o):
            if JinjaMethods.isMethod(name, of: base) { return .function(JinjaFunction(kind: .method(receiver: base, name: name))) }
            return o[name] ?? .undefined("'dict object' has no attribute '\(name)'")
        default:
            if JinjaMethods.isMethod(name, of: base) { return .function(JinjaFunction(kind: .method(receiver: base, name: name))) }
            return .undefined("'\(base.typeName) object' has no attribute '\(name)'")
        }
    }

    func getItem(_ base: JinjaValue, _ index: JinjaValue) throws -> JinjaValue {
        switch (base, index) {
        case (.undefined(let why), _): throw JinjaFailure(why)
        case (.object(let o), .string(let k)):
            if let v = o[k] { return v }
            return try getAttr(base, k)
        case (.array(let a), _), (.tuple(let a), _):
            guard case .int(var i)? = index.number else {
                if case .string(let k) = index { return try getAttr(base, k) }
                throw JinjaFailure("list indices must be integers or slices, not \(index.typeName)")
            }
            if i < 0 { i += a.count }
            return a.indices.contains(i) ? a[i] : .undefined("list object has no element \(index.pyRepr)")
        case (.string(let s), _):
            guard case .int(var i)? = index.number else {
                if case .string(let k) = index { return try getAttr(base, k) }
                throw JinjaFailure("string indices must be integers, not '\(index.typeName)'")
            }
            let u = Array(s.unicodeScalars)
            if i < 0 { i += u.count }
            return u.indices.contains(i) ? .string(String(u[i])) : .undefined("str object has no element \(index.pyRepr)")
        case (.namespace, .string(let k)):
            return try getAttr(base, k)
        case (_, .string(let k)):
            return try getAttr(base, k)
        default:
            return .undefined("'\(base.typeName) object' has no attribute \(index.pyRepr)")
        }
    }

    /// Python slicing `x[lo:hi:step]` on lists, tuples and strings.
    func slice(_ base: JinjaValue, _ lo: JinjaValue?, _ hi: JinjaValue?, _ step: JinjaValue?) throws -> JinjaValue {
        func int(_ v: JinjaValue?) throws -> Int? {
            guard let v, !(v.isUndefined), !(v == .none) else { return nil }
            guard case .int(let i)? = v.number else { throw JinjaFailure("slice indices must be integers or None") }
            return i
        }
        let st = try int(step) ?? 1
        guard st != 0 else { throw JinjaFailure("slice step cannot be zero") }
        func indices(_ n: Int) throws -> [Int] {
            func clamp(_ v: Int?, _ def: Int) -> Int {
                guard var v else { return def }
                if v < 0 { v += n }
                return st > 0 ? min(max(v, 0), n) : min(max(v, -1), n - 1)
            }
            let start = clamp(try int(lo), st > 0 ? 0 : n - 1)
            let stop = clamp(try int(hi), st > 0 ? n : -1)
            return Array(stride(from: start, to: stop, by: st))
        }
        switch base {
        case .array(let a): return .array(try indices(a.count).map { a[$0] })
        case .tuple(let a): return .tuple(try indices(a.count).map { a[$0] })
        case .string(let s):
            let u = Array(s.unicodeScalars)
            return .string(PyFormat.string(try indices(u.count).map { u[$0] }))
        case .undefined(let why): throw JinjaFailure(why)
        default: throw JinjaFailure("'\(base.typeName)' object is not subscriptable")
        }
    }

    // MARK: Calls

    func call(_ f: JinjaValue, _ args: Arguments, at loc: JinjaLocation) throws -> JinjaValue {
        guard case .function(let fn) = f else {
            if case .undefined(let why) = f { throw JinjaFailure(why) }
            throw JinjaFailure("'\(f.typeName)' object is not callable")
        }
        switch fn.kind {
        case .global(let name): return try JinjaGlobals.call(name, args, renderer: self, at: loc)
        case .method(let receiver, let name): return try JinjaMethods.call(name, on: receiver, args)
        case .loopCycle(let index):
            guard !args.positional.isEmpty else { throw JinjaFailure("no items for cycling given") }
            return args.positional[index % args.positional.count]
        case .macro(let m): return try callMacro(m, args, at: loc)
        }
    }

    private func callMacro(_ m: JinjaMacro, _ args: Arguments, at loc: JinjaLocation) throws -> JinjaValue {
        callDepth += 1
        defer { callDepth -= 1 }
        guard callDepth <= options.maxCallDepth else {
            throw JinjaError.limit(message: "macro calls nested deeper than \(options.maxCallDepth)", location: loc)
        }
        guard args.positional.count <= m.parameters.count else {
            throw JinjaFailure("macro '\(m.name)' takes not more than \(m.parameters.count) argument(s)")
        }
        let s = JinjaScope(parent: m.scope)
        for (i, p) in m.parameters.enumerated() {
            if let v = args.value(i, p.name) { s.set(p.name, v) }
            else if let d = p.defaultValue { s.set(p.name, try eval(d, s)) }
            else { s.set(p.name, .undefined("parameter '\(p.name)' was not provided")) }
        }
        for (k, _) in args.keyword where !m.parameters.contains(where: { $0.name == k }) {
            throw JinjaFailure("macro '\(m.name)' takes no keyword argument '\(k)'")
        }
        var out = ""
        _ = try exec(m.body, scope: s, into: &out)
        return .string(out)
    }
}

/// Parsed template syntax. Node shapes follow `jinja2.nodes` so behaviour can be checked against
/// Jinja's parser one construct at a time.
struct JinjaExpr: Sendable {
    indirect enum Kind: Sendable {
        case literal(JinjaValue)
        case name(String)
        case list([JinjaExpr])
        case tuple([JinjaExpr])
        case dict([(JinjaExpr, JinjaExpr)])
        case getAttr(JinjaExpr, String)
        case getItem(JinjaExpr, JinjaExpr)
        case slice(JinjaExpr?, JinjaExpr?, JinjaExpr?)
        case call(JinjaExpr, JinjaArgs)
        /// `operand | name(args)`; a nil operand is a `{% filter %}` block's body.
        case filter(JinjaExpr?, String, JinjaArgs)
        case test(JinjaExpr, String, JinjaArgs)
        case negate(JinjaExpr)
        case plus(JinjaExpr)
        case not(JinjaExpr)
        /// `+ - * / // % **`
        case binary(String, JinjaExpr, JinjaExpr)
        case and(JinjaExpr, JinjaExpr)
        case or(JinjaExpr, JinjaExpr)
        /// Chained comparison: `a < b == c`, operators `== != < <= > >= in notin`.
        case compare(JinjaExpr, [(String, JinjaExpr)])
        /// `a ~ b ~ c`
        case concat([JinjaExpr])
        case conditional(test: JinjaExpr, then: JinjaExpr, otherwise: JinjaExpr?)
    }
    let kind: Kind
    let location: JinjaLocation
}

struct JinjaArgs: Sendable {
    var positional: [JinjaExpr] = []
    var keyword: [(String, JinjaExpr)] = []
}

/// Where `set` / `for` store values.
enum JinjaTarget: Sendable {
    case name(String)
    case tuple([String])
    /// `ns.attr` (only valid on a namespace).
    case attribute(String, String)
}

struct JinjaForLoop: Sendable {
    let target: JinjaTarget
    let iterable: JinjaExpr
    let condition: JinjaExpr?
    let body: [JinjaStmt]
    let elseBody: [JinjaStmt]
    let location: JinjaLocation
}

indirect enum JinjaStmt: Sendable {
    case text(String)
    case output(JinjaExpr)
    case ifChain([(JinjaExpr, [JinjaStmt])], elseBody: [JinjaStmt])
    case forLoop(JinjaForLoop)
    case assign(JinjaTarget, JinjaExpr, JinjaLocation)
    case assignBlock(JinjaTarget, filter: JinjaExpr?, body: [JinjaStmt], JinjaLocation)
    case macro(name: String, parameters: [(name: String, defaultValue: JinjaExpr?)], body: [JinjaStmt])
    case filterBlock(JinjaExpr, [JinjaStmt])
    /// transformers' `{% generation %}` extension: renders its body unchanged.
    case generation([JinjaStmt])
    case breakLoop
    case continueLoop
}

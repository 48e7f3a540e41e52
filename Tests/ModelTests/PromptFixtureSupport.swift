import Foundation
@testable import Model

/// Loads the reference fixtures written by scripts/make_prompt_fixtures.py.
enum PromptFixtures {
    static var directory: URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("prompts")
    }

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    static func text(_ name: String) throws -> String {
        try String(contentsOf: url(name), encoding: .utf8)
    }

    /// The `cases` array of a fixture file, as ordered JSON values.
    static func cases(_ name: String) throws -> [JinjaObject] {
        guard case .object(let root) = try JinjaValue(jsonText: try text(name)), case .array(let cases)? = root["cases"] else {
            throw JinjaError.json(message: "\(name): no cases array")
        }
        return cases.compactMap { if case .object(let o) = $0 { return o }; return nil }
    }
}

extension JinjaObject {
    func string(_ key: String) -> String? { if case .string(let s)? = self[key] { return s }; return nil }
    func int(_ key: String) -> Int? { if case .int(let i)? = self[key] { return i }; return nil }
    func object(_ key: String) -> JinjaObject? { if case .object(let o)? = self[key] { return o }; return nil }
    func array(_ key: String) -> [JinjaValue]? { if case .array(let a)? = self[key] { return a }; return nil }
    func range(_ key: String) -> Range<Int>? {
        guard let a = array(key), a.count == 2, case .int(let lo) = a[0], case .int(let hi) = a[1] else { return nil }
        return lo..<hi
    }
}

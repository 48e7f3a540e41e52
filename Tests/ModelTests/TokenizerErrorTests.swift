// Loading failures are typed and name the offending file and field.
import Foundation
import Testing
@testable import Model

@Suite struct TokenizerErrorTests {
    static func tempDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keyscope-tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func malformedTokenizerJSONNamesFileAndOffset() throws {
        let dir = try Self.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("tokenizer.json")
        try Data(#"{"model": {"type": "BPE", "vocab": {"a": 0,}}}"#.utf8).write(to: file)
        do {
            _ = try Tokenizer.load(directory: dir)
            Issue.record("loaded a malformed tokenizer.json")
        } catch let error as TokenizerError {
            guard case .malformedJSON(let name, let json) = error else { Issue.record("wrong error \(error)"); return }
            #expect(name == file.path)
            #expect(json.offset == 43)  // the '}' where a key must follow ','
            #expect(error.description.contains("tokenizer.json"))
        }
    }

    @Test func truncatedRealTokenizerJSON() throws {
        let dir = try Self.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let real = try Data(contentsOf: TokenizerFixtures.llavaDirectory.appendingPathComponent("tokenizer.json"))
        try real.prefix(100_000).write(to: dir.appendingPathComponent("tokenizer.json"))
        #expect {
            _ = try Tokenizer.load(directory: dir)
        } throws: { error in
            guard case .malformedJSON(_, let json) = error as? TokenizerError else { return false }
            // The cut falls inside a string: the error points at its opening quote, just before the cut.
            return json.offset > 99_900 && json.offset < 100_000 && json.message == "unterminated string"
        }
    }

    @Test func unsupportedComponentIsNamed() throws {
        let dir = try Self.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = #"{"normalizer": {"type": "NFKD"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}"#
        try Data(json.utf8).write(to: dir.appendingPathComponent("tokenizer.json"))
        #expect(throws: TokenizerError.unsupported(file: dir.appendingPathComponent("tokenizer.json").path,
                                                   field: "normalizer.type", value: "NFKD")) {
            _ = try Tokenizer.load(directory: dir)
        }
    }

    @Test func badMergeIsNamed() throws {
        let dir = try Self.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(#"{"a": 0, "b": 1}"#.utf8).write(to: dir.appendingPathComponent("vocab.json"))
        try Data("a b\n".utf8).write(to: dir.appendingPathComponent("merges.txt"))
        #expect(throws: TokenizerError.invalidMerge(file: dir.appendingPathComponent("merges.txt").path, index: 0,
                                                    reason: "merged token ab not in vocab")) {
            _ = try Tokenizer.load(directory: dir)
        }
    }

    @Test func missingFiles() throws {
        let dir = try Self.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: TokenizerError.missingFiles(directory: dir.path)) { _ = try Tokenizer.load(directory: dir) }
    }
}

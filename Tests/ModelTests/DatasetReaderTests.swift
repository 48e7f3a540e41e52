import Foundation
import Testing
@testable import Model

/// Readers on well-formed and malformed inputs written to a temporary folder.
@Suite struct DatasetReaderTests {
    final class TempDir {
        let url: URL
        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("keyscope-ds-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url.appendingPathComponent("images"), withIntermediateDirectories: true)
            for name in ["a.jpg", "b.jpg"] {
                try Data([0xFF, 0xD8, 0xFF]).write(to: url.appendingPathComponent("images/\(name)"))
            }
        }
        func write(_ name: String, _ text: String) throws -> URL {
            let f = url.appendingPathComponent(name)
            try text.write(to: f, atomically: true, encoding: .utf8)
            return f
        }
        deinit { try? FileManager.default.removeItem(at: url) }
    }

    @Test func jsonlGoodRows() throws {
        let dir = try TempDir()
        let f = try dir.write("s.jsonl", """
            {"id": "q1", "image": "images/a.jpg", "question": "What is this?"}

            {"id": 7, "image": "images/b.jpg", "question": "Which?", "options": {"B": "cat", "A": "dog"}, "lang": "zh", "hint": "h", "answer": "B", "category": "animals"}
            {"id": "q3", "image": "\(dir.url.path)/images/a.jpg", "question": "List?", "options": ["x", "y", "z"]}
            """)
        let r = try JSONLDatasetReader().read(f)
        #expect(r.skipped.isEmpty)
        #expect(r.samples.map(\.id) == ["q1", "7", "q3"])
        #expect(r.samples[0].image == .file(dir.url.appendingPathComponent("images/a.jpg").standardizedFileURL))
        #expect(r.samples[0].options.isEmpty && r.samples[0].language == .en)
        let s = r.samples[1]
        #expect(s.options == [SampleOption(label: "A", text: "dog"), SampleOption(label: "B", text: "cat")])
        #expect(s.language == .zh && s.hint == "h" && s.answer == "B" && s.category == "animals")
        #expect(r.samples[2].options.map(\.label) == ["A", "B", "C"])
        #expect(try DatasetLoader.read(f) == r)
    }

    @Test func jsonlBadRowsAreSkippedWithLineNumbers() throws {
        let dir = try TempDir()
        let f = try dir.write("bad.jsonl", """
            {"id": "ok", "image": "images/a.jpg", "question": "Fine"}
            {"id": "noq", "image": "images/a.jpg"}
            not json at all
            {"id": "missing", "image": "images/none.jpg", "question": "Where?"}
            {"id": "lang", "image": "images/a.jpg", "question": "Q", "lang": "fr"}
            {"id": true, "image": "images/a.jpg", "question": "Q"}
            {"id": "empty", "image": "images/a.jpg", "question": "   "}
            {"id": "opts", "image": "images/a.jpg", "question": "Q", "options": 3}
            [1, 2]
            {"id": "ok2", "image": "images/b.jpg", "question": "Also fine"}
            """)
        let r = try JSONLDatasetReader().read(f)
        #expect(r.samples.map(\.id) == ["ok", "ok2"])
        #expect(r.skipped.map(\.row) == [2, 3, 4, 5, 6, 7, 8, 9])
        #expect(r.skippedCount == 8)
        #expect(r.skipped[0].reason == "missing field 'question'")
        #expect(r.skipped[1].reason == "invalid JSON")
        #expect(r.skipped[2].reason.hasPrefix("image not found: "))
        #expect(r.skipped[3].reason.contains("field 'lang'"))
        #expect(r.skipped[4].reason.contains("field 'id'"))
        #expect(r.skipped[5].reason == "empty question")
        #expect(r.skipped[6].reason.contains("field 'options'"))
        // Without the image check the missing file is accepted.
        #expect(try JSONLDatasetReader(requireImageFiles: false).read(f).samples.count == 3)
    }

    @Test func duplicateIDsAreAnError() throws {
        let dir = try TempDir()
        let f = try dir.write("dup.jsonl", """
            {"id": "x", "image": "images/a.jpg", "question": "1"}
            {"id": "y", "image": "images/a.jpg", "question": "2"}
            {"id": "x", "image": "images/b.jpg", "question": "3"}
            """)
        #expect(throws: DatasetError.duplicateID(path: f.path, id: "x", firstRow: 1, row: 3)) { try JSONLDatasetReader().read(f) }
        let missing = dir.url.appendingPathComponent("nope.jsonl")
        #expect { try JSONLDatasetReader().read(missing) } throws: { e in
            if case DatasetError.unreadable(let p, _) = e { return p == missing.path }
            return false
        }
        #expect(throws: DatasetError.unknownFormat(path: "/tmp/x.csv")) { try DatasetLoader.read(URL(fileURLWithPath: "/tmp/x.csv")) }
    }

    @Test func llavaConversationJSON() throws {
        let dir = try TempDir()
        let f = try dir.write("conv.json", """
            [
              {"id": "000001", "image": "images/a.jpg", "conversations": [
                {"from": "human", "value": "<image>\\nWhat is the man doing?"}, {"from": "gpt", "value": "Skating."},
                {"from": "human", "value": "Why?"}]},
              {"id": "000002", "conversations": [{"from": "human", "value": "text only"}]},
              {"id": "000003", "image": "images/b.jpg", "conversations": []},
              {"image": "images/b.jpg", "conversations": []},
              42,
              {"id": 4, "image": "images/b.jpg", "conversations": [{"from": "human", "value": "Describe it.\\n<image>"}]}
            ]
            """)
        let r = try LlavaConversationReader().read(f)
        #expect(r.samples.map(\.id) == ["000001", "4"])
        #expect(r.samples[0].question == "What is the man doing?")
        #expect(r.samples[0].answer == "Skating.")
        #expect(r.samples[1].question == "Describe it.")
        #expect(r.skipped.map(\.row) == [2, 3, 4, 5])
        #expect(r.skipped[0].reason == "no image (text-only record)")
        #expect(r.skipped[1].reason == "no human turn in 'conversations'")
        #expect(r.skipped[2].reason == "missing field 'id'")
        let notList = try dir.write("obj.json", "{\"id\": 1}")
        #expect { try LlavaConversationReader().read(notList) } throws: { e in
            if case DatasetError.malformed = e { return true }
            return false
        }
    }

    static let png: Data = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3])

    @Test func mmbenchTSV() throws {
        let dir = try TempDir()
        let b64 = Self.png.base64EncodedString()
        let rows = [
            "index\tquestion\thint\tA\tB\tC\tD\tanswer\tcategory\timage",
            "10\tWhat is shown?\tnan\tcat\tdog\t\t\tA\tanimals\t\(b64)",
            "11\t\"Multi\nline \"\"quoted\"\" question\"\tA hint\tyes\tno\tmaybe\tnan\tC\tlogic\t10",
            "12\tShort row\tx",
            "13\tBad image\t\tA1\tB1\t\t\tA\tc\t!!!notbase64!!!" + String(repeating: "x", count: 80),
            "14\t\tno question\ta\tb\t\t\tA\tc\t\(b64)",
            "15\t这是什么？\t\t猫\t狗\t\t\tA\tanimals\t99",
        ]
        let f = try dir.write("mmbench_dev_en.tsv", rows.joined(separator: "\r\n") + "\r\n")
        let r = try MMBenchTSVReader().read(f)
        #expect(r.samples.map(\.id) == ["10", "11"])
        let a = r.samples[0], b = r.samples[1]
        #expect(a.image == .inline(Self.png) && a.hint == nil && a.options.map(\.text) == ["cat", "dog"])
        #expect(a.answer == "A" && a.category == "animals" && a.language == .en)
        #expect(b.question == "Multi\nline \"quoted\" question" && b.hint == "A hint")
        #expect(b.options.map(\.label) == ["A", "B", "C"] && b.image == .inline(Self.png))
        // Header line 1, row 10 line 2, row 11 spans lines 3–4, so the bad rows start on lines 5–8.
        #expect(r.skipped.map(\.row) == [5, 6, 7, 8])
        #expect(r.skipped[0].reason == "expected 10 fields, got 3")
        #expect(r.skipped[1].reason == "field 'image' is not valid base64")
        #expect(r.skipped[2].reason == "empty question")
        #expect(r.skipped[3].reason == "field 'image' refers to index 99, which has no image")

        let bom = try dir.write("bom.tsv", "\u{FEFF}" + [rows[0], rows[1]].joined(separator: "\n"))
        #expect(try MMBenchTSVReader().read(bom).samples.map(\.id) == ["10"])
        let cn = try dir.write("MMBench_DEV_CN.tsv", [rows[0], rows[1]].joined(separator: "\n"))
        #expect(try MMBenchTSVReader().read(cn).samples[0].language == .zh)
        #expect(try MMBenchTSVReader(language: .en).read(cn).samples[0].language == .en)

        let noImage = try dir.write("x.tsv", "index\tquestion\n1\tq\n")
        #expect(throws: DatasetError.malformed(path: noImage.path, reason: "missing column(s) image")) { try MMBenchTSVReader().read(noImage) }
        let unterminated = try dir.write("u.tsv", "index\tquestion\timage\n1\t\"open\t\(b64)\n")
        #expect(throws: DatasetError.self) { try MMBenchTSVReader().read(unterminated) }
        let dup = try dir.write("d.tsv", [rows[0], rows[1], rows[1]].joined(separator: "\n"))
        #expect(throws: DatasetError.duplicateID(path: dup.path, id: "10", firstRow: 2, row: 3)) { try MMBenchTSVReader().read(dup) }
    }

    @Test func demoDataReadsCleanly() throws {
        // The committed demo files (demo/) are valid for the readers; images are checked by make_demo_data.py.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let jsonl = root.appendingPathComponent("demo/samples.jsonl")
        let r = try JSONLDatasetReader(requireImageFiles: false).read(jsonl)
        #expect(r.skipped.isEmpty, "\(r.skipped)")
        #expect(r.samples.count == 34)
        #expect(Set(r.samples.map(\.language)) == [.en, .zh])
        #expect(r.samples.contains { $0.options.isEmpty } && r.samples.contains { !$0.options.isEmpty })
        let tsv = try MMBenchTSVReader().read(root.appendingPathComponent("demo/mmbench_sample.tsv"))
        #expect(tsv.skipped.isEmpty && tsv.samples.count == 6)
        #expect(tsv.samples.map(\.language) == [.en, .en, .en, .zh, .zh, .zh])
        #expect(tsv.samples[3].image == tsv.samples[0].image)  // row 3 reuses row 0's image by index
        // Every demo sample yields a prompt for both families, with the user text verbatim in place.
        for family in ModelFamily.allCases {
            let builder = PromptBuilder(family: family, chatTemplate: try ChatTemplate(source:
                try PromptFixtures.text("\(family.rawValue)_chat_template.jinja")))
            for sample in r.samples + tsv.samples {
                let p = try builder.build(sample)
                let q = p.questionRange!
                #expect(String(decoding: Array(p.text.utf8)[q], as: UTF8.self) == builder.formatter.userText(for: sample).text)
                #expect(p.imageRanges.count == 1)
            }
        }
    }

    /// Random TSV bytes give rows or typed errors, never a trap.
    @Test func randomTSVNeverCrashes() throws {
        let dir = try TempDir()
        let alphabet: [UInt8] = [0x09, 0x0a, 0x0d, 0x22, 0x61, 0x31, 0xff, 0x20, 0x41, 0x3d]
        var state: UInt64 = 42
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: state >> 33)
        }
        for i in 0..<300 {
            var bytes = Array("index\tquestion\tA\tB\timage\n".utf8)
            bytes += (0..<(next() % 120)).map { _ in alphabet[next() % alphabet.count] }
            let f = dir.url.appendingPathComponent("r\(i).tsv")
            try Data(bytes).write(to: f)
            do {
                let r = try MMBenchTSVReader().read(f)
                #expect(r.samples.count + r.skipped.count <= bytes.filter { $0 == 0x0a }.count)
            } catch is DatasetError {}
        }
    }
}

import Foundation
import Testing
@testable import Model

/// The real LLaVA-1.5 and Qwen2.5-VL chat templates against transformers' `apply_chat_template`,
/// and prompt byte ranges against ranges computed in Python (Fixtures/prompts/*.json).
@Suite struct PromptBuilderTests {
    static func template(_ family: String) throws -> ChatTemplate {
        try ChatTemplate(source: try PromptFixtures.text("\(family)_chat_template.jinja"))
    }

    @Test func realChatTemplatesMatchTransformers() throws {
        let cases = try PromptFixtures.cases("chat_cases.json")
        #expect(cases.count >= 16)
        let templates = ["llava": try Self.template("llava"), "qwen25vl": try Self.template("qwen25vl")]
        for c in cases {
            let t = templates[c.string("family")!]!
            guard case .bool(let agp)? = c["add_generation_prompt"] else { Issue.record("bad case"); continue }
            let got = try t.render(messages: c.array("messages")!, addGenerationPrompt: agp)
            #expect(got == c.string("expected")!, "\(c.string("family")!)/\(c.string("conversation")!)/agp=\(agp)")
        }
    }

    @Test func loadsTemplateFromModelDirectory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keyscope-ct-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = try PromptFixtures.text("qwen25vl_chat_template.jinja")
        let json = "{\n  \"chat_template\": \(PyFormat.jsonString(source))\n}"
        try json.write(to: dir.appendingPathComponent("chat_template.json"), atomically: true, encoding: .utf8)
        let fromJSON = try ChatTemplate(modelDirectory: dir)
        #expect(fromJSON.template.source == source)
        try "{{ 'jinja wins' }}".write(to: dir.appendingPathComponent("chat_template.jinja"), atomically: true, encoding: .utf8)
        #expect(try ChatTemplate(modelDirectory: dir).render(messages: [], addGenerationPrompt: false) == "jinja wins")
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(throws: ChatTemplateError.notFound(directory: empty.path)) { try ChatTemplate(modelDirectory: empty) }
    }

    static func sample(_ o: JinjaObject) -> Sample {
        let options: [SampleOption] = (o.array("options") ?? []).compactMap {
            guard case .array(let pair) = $0, pair.count == 2 else { return nil }
            return SampleOption(label: pair[0].pyStr, text: pair[1].pyStr)
        }
        return Sample(id: o.string("id")!, image: .file(URL(fileURLWithPath: "/x.jpg")), question: o.string("question")!,
                      hint: o.string("hint"), options: options, language: SampleLanguage(rawValue: o.string("lang")!)!)
    }

    @Test func promptsAndRangesMatchReference() throws {
        let cases = try PromptFixtures.cases("prompt_cases.json")
        #expect(cases.count >= 10)
        for c in cases {
            let family = ModelFamily(rawValue: c.string("family")!)!
            let builder = PromptBuilder(family: family, chatTemplate: try Self.template(family.rawValue), systemPrompt: c.string("system"))
            let sample = Self.sample(c.object("sample")!)
            let label = "\(family)/\(sample.id)/system=\(c.string("system") != nil)"
            #expect(builder.formatter.userText(for: sample).text == c.string("user_text")!, "\(label)")
            let p = try builder.build(sample)
            #expect(p.text == c.string("prompt")!, "\(label)")
            #expect(p.imageRanges == [c.range("image_bytes")!], "\(label)")
            #expect(p.questionRange == c.range("question_bytes")!, "\(label)")
            #expect(p.userParts.first { $0.part == .question }?.bytes == c.range("question_part_bytes")!, "\(label)")
            // Spans tile the prompt.
            #expect(p.spans.first?.bytes.lowerBound == 0 && p.spans.last?.bytes.upperBound == p.byteCount)
            #expect(zip(p.spans, p.spans.dropFirst()).allSatisfy { $0.bytes.upperBound == $1.bytes.lowerBound })

            let n = c.int("expanded_count")!
            let e = try p.expandingImageTokens(to: n)
            #expect(e.text == c.string("expanded_prompt")!, "\(label)")
            #expect(e.imageRanges == [c.range("expanded_image_bytes")!], "\(label)")
            #expect(e.questionRange == c.range("expanded_question_bytes")!, "\(label)")
            #expect(e.imageTokenCount == n)
            // Real tokenizer offsets (HF llava / Qwen2.5-VL tokenizers) get the roles the reference assigns
            // from token ids (image) and positions (question vs template).
            var offsets: [Range<Int>] = [], roles: [TokenRole] = []
            for case .array(let t) in c.array("expanded_tokens")! {
                guard case .int(let lo) = t[0], case .int(let hi) = t[1], case .string(let r) = t[2] else { continue }
                offsets.append(lo..<hi)
                roles.append(TokenRole(rawValue: r)!)
            }
            #expect(!offsets.isEmpty)
            #expect(e.roles(forTokenBytes: offsets) == roles, "\(label)")
            #expect(roles.filter { $0 == .image }.count == n)
            // Expanding again from the expanded prompt gives the same as expanding once.
            #expect(try e.expandingImageTokens(to: 3) == p.expandingImageTokens(to: 3))
        }
    }

    @Test func llavaLayoutAndTokenRoles() throws {
        let builder = PromptBuilder(family: .llava, chatTemplate: try Self.template("llava"))
        let sample = Sample(id: "s", image: .inline(Data([1])), question: "What is this?")
        let p = try builder.build(sample)
        #expect(p.text == "USER: <image>\nWhat is this? ASSISTANT:")
        #expect(p.spans == [
            PromptSpan(role: .template, bytes: 0..<6), PromptSpan(role: .image, bytes: 6..<13),
            PromptSpan(role: .template, bytes: 13..<14), PromptSpan(role: .question, bytes: 14..<27),
            PromptSpan(role: .template, bytes: 27..<38),
        ])
        #expect(p.role(ofTokenBytes: 0..<0) == .template)            // <s>
        #expect(p.role(ofTokenBytes: 6..<13) == .image)
        #expect(p.role(ofTokenBytes: 13..<18) == .question)          // "\nWhat" merged: first non-space byte
        #expect(p.role(ofTokenBytes: 27..<28) == .template)          // " " alone
        #expect(p.role(ofTokenBytes: 27..<32) == .template)          // " ASSI"
        #expect(p.roles(forTokenBytes: [0..<0, 0..<4, 6..<13, 14..<18]) == [.template, .template, .image, .question])
    }

    @Test func twoImagesExpandPerImage() throws {
        // A conversation template with two image blocks (the second turn's image comes after the text).
        let t = try ChatTemplate(source: "{% for m in messages %}{% for c in m.content %}{% if c.type == 'image' %}<image>{% else %}{{ c.text }}{% endif %}{% endfor %}{% endfor %}<image>|")
        let p = try PromptBuilder(family: .llava, chatTemplate: t).build(Sample(id: "two", image: .inline(Data()), question: "Q?"))
        #expect(p.text == "<image>Q?<image>|")
        #expect(p.imageRanges == [0..<7, 9..<16])
        let e = try p.expandingImageTokens(counts: [2, 3])
        #expect(e.text == "<image><image>Q?<image><image><image>|")
        #expect(e.imageRanges == [0..<14, 16..<37] && e.questionRange == 14..<16 && e.imageTokenCount == 5)
        #expect(e.spans.last == PromptSpan(role: .template, bytes: 37..<38))
    }

    @Test func chineseMultipleChoiceAndQwenLayout() throws {
        let builder = PromptBuilder(family: .qwen25vl, chatTemplate: try Self.template("qwen25vl"))
        let sample = Sample(id: "cn1", image: .inline(Data([1])), question: "这是什么？", hint: "提示",
                            options: [SampleOption(label: "A", text: "猫"), SampleOption(label: "B", text: "狗")], language: .zh)
        let u = builder.formatter.userText(for: sample)
        #expect(u.text == "提示\n这是什么？\nA. 猫\nB. 狗\n请直接回答选项字母。")
        #expect(u.parts.map(\.part) == [.hint, .question, .options, .instruction])
        let p = try builder.build(sample)
        let bytes = Array(p.text.utf8)
        for (part, range) in p.userParts {
            let s = String(decoding: bytes[range], as: UTF8.self)
            switch part {
            case .hint: #expect(s == "提示")
            case .question: #expect(s == "这是什么？")
            case .options: #expect(s == "A. 猫\nB. 狗")
            case .instruction: #expect(s == QuestionFormatter.chineseInstruction)
            }
        }
        let image = p.imageRanges[0]
        #expect(String(decoding: bytes[image], as: UTF8.self) == "<|image_pad|>")
        #expect(String(decoding: bytes[(image.lowerBound - 16)..<image.lowerBound], as: UTF8.self) == "<|vision_start|>")
        #expect(p.role(atByte: image.lowerBound - 1) == .template)
    }

    @Test func rejectsPlaceholderInQuestionAndBadCounts() throws {
        let builder = PromptBuilder(family: .llava, chatTemplate: try Self.template("llava"))
        let bad = Sample(id: "b", image: .inline(Data()), question: "<image> again?")
        #expect(throws: PromptError.placeholderInQuestion(sampleID: "b", placeholder: "<image>")) { try builder.build(bad) }
        let p = try builder.build(Sample(id: "ok", image: .inline(Data()), question: "Q"))
        #expect(throws: PromptError.invalidImageTokenCount(0)) { try p.expandingImageTokens(to: 0) }
        #expect(throws: PromptError.imageCountMismatch(images: 1, counts: 2)) { try p.expandingImageTokens(counts: [1, 2]) }
        // A template that trims the text cannot give verbatim ranges.
        let trimming = PromptBuilder(family: .llava, chatTemplate: try ChatTemplate(source:
            "{% for m in messages %}{% for c in m.content %}{% if c.type == 'image' %}<image>{% else %}{{ c.text | trim }}{% endif %}{% endfor %}{% endfor %}"))
        #expect(throws: PromptError.questionNotVerbatim(sampleID: "t")) {
            try trimming.build(Sample(id: "t", image: .inline(Data()), question: " padded "))
        }
    }
}

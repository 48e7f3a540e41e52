import Foundation

/// Reads MMBench / MMBench-CN TSV files (columns `index, question, hint, A, B, C, D, answer,
/// category, image, …`; `image` is base64, or — as in VLMEvalKit's files — the `index` of an
/// earlier row whose image it reuses). Quoting follows pandas' `to_csv(sep="\t")`: fields holding
/// tabs, newlines or quotes are double-quoted with `""` escapes.
///
/// Hints and options follow LLaVA's MMBench evaluation: an empty/`nan`/`none` hint is absent, and
/// options are read in column order up to the first empty one.
public struct MMBenchTSVReader: Sendable {
    /// Language of every row; nil infers it from the file name (`…_CN.tsv` / `…-cn.tsv` → zh) or,
    /// failing that, from CJK characters in the row's question.
    public var language: SampleLanguage?

    public init(language: SampleLanguage? = nil) { self.language = language }

    static let maxInlineReference = 64

    public func read(_ url: URL) throws -> DatasetReadResult {
        let data = try DatasetLoader.load(url)
        let records: [TSVRecord]
        do { records = try TSVRecord.parse(data) } catch let e as DatasetRecordError {
            throw DatasetError.malformed(path: url.path, reason: e.reason)
        }
        guard let header = records.first else { throw DatasetError.malformed(path: url.path, reason: "empty file") }
        let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        func column(_ name: String) -> Int? { columns.firstIndex(of: name) }
        let missing = ["index", "question", "image"].filter { column($0) == nil }
        guard missing.isEmpty else {
            throw DatasetError.malformed(path: url.path, reason: "missing column(s) \(missing.joined(separator: ", "))")
        }
        let optionColumns = columns.enumerated()
            .filter { $0.element.count == 1 && $0.element.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) } }
            .sorted { $0.element < $1.element }
        let fileLanguage: SampleLanguage? = language ?? {
            let name = url.deletingPathExtension().lastPathComponent.lowercased()
            return name.hasSuffix("_cn") || name.hasSuffix("-cn") || name.contains("_cn_") ? .zh : nil
        }()

        var collector = DatasetLoader.Collector(source: url)
        var imagesByIndex: [String: Data] = [:]
        var pending: [(row: Int, sample: Sample, reference: String?)] = []
        for record in records.dropFirst() {
            let f = record.fields
            guard f.count == columns.count else {
                collector.skip(record.line, "expected \(columns.count) fields, got \(f.count)")
                continue
            }
            func value(_ name: String) -> String? {
                guard let i = column(name) else { return nil }
                let v = f[i]
                return Self.isNone(v) ? nil : v
            }
            guard let index = value("index")?.trimmingCharacters(in: .whitespaces), !index.isEmpty else {
                collector.skip(record.line, "empty index"); continue
            }
            guard let question = value("question"), !question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                collector.skip(record.line, "empty question"); continue
            }
            guard let imageField = value("image")?.trimmingCharacters(in: .whitespacesAndNewlines) else {
                collector.skip(record.line, "empty image"); continue
            }
            var options: [SampleOption] = []
            for (i, label) in optionColumns {
                if Self.isNone(f[i]) { break }
                options.append(SampleOption(label: label, text: f[i]))
            }
            var reference: String? = nil
            var bytes = Data()
            if imageField.count <= Self.maxInlineReference, Int(imageField) != nil {
                reference = imageField
            } else {
                guard let d = Data(base64Encoded: imageField, options: .ignoreUnknownCharacters), !d.isEmpty else {
                    collector.skip(record.line, "field 'image' is not valid base64"); continue
                }
                bytes = d
                imagesByIndex[index] = d
            }
            let lang = fileLanguage ?? (DatasetLoader.looksChinese(question + options.map(\.text).joined()) ? .zh : .en)
            let sample = Sample(id: index, image: .inline(bytes), question: question, hint: value("hint"), options: options,
                                answer: value("answer"), language: lang, category: value("category"))
            pending.append((record.line, sample, reference))
        }
        for var p in pending {
            if let ref = p.reference {
                guard let d = imagesByIndex[ref] else {
                    collector.skip(p.row, "field 'image' refers to index \(ref), which has no image"); continue
                }
                p.sample.image = .inline(d)
            }
            try collector.add(p.sample, row: p.row)
        }
        return collector.result
    }

    /// LLaVA's `is_none`: empty, `nan` or `none` (any case).
    static func isNone(_ v: String) -> Bool {
        let t = v.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        return t.isEmpty || t == "nan" || t == "none"
    }
}

/// One TSV record and the 1-based line it starts on.
struct TSVRecord {
    let line: Int
    let fields: [String]

    /// Splits tab-separated records with pandas-style double-quote quoting.
    static func parse(_ data: Data) throws -> [TSVRecord] {
        let b = [UInt8](data)
        var records: [TSVRecord] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1, recordLine = 1
        var i = 0
        var inQuotes = false, fieldStarted = false
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            fieldStarted = false
        }
        func endRecord() {
            endField()
            if !(fields.count == 1 && fields[0].isEmpty) { records.append(TSVRecord(line: recordLine, fields: fields)) }
            fields.removeAll()
        }
        while i < b.count {
            let c = b[i]
            if inQuotes {
                if c == 0x22 {
                    if i + 1 < b.count, b[i + 1] == 0x22 { field.append(0x22); i += 2; continue }
                    inQuotes = false
                } else {
                    if c == 0x0a { line += 1 }
                    field.append(c)
                }
                i += 1
                continue
            }
            switch c {
            case 0x22 where !fieldStarted && field.isEmpty:
                inQuotes = true; fieldStarted = true
            case 0x09:
                endField()
            case 0x0a:
                if field.last == 0x0d { field.removeLast() }
                endRecord()
                line += 1
                recordLine = line
            default:
                field.append(c); fieldStarted = true
            }
            i += 1
        }
        if inQuotes { throw DatasetRecordError("unterminated quoted field starting on line \(recordLine)") }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return records
    }
}

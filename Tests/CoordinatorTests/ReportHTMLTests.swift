import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Coordinator

/// Collects element counts, attributes and text while parsing the page as XML.
final class ReportXMLProbe: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    var text = ""
    var attributes: [(String, [String: String])] = []
    var stack: [String] = []
    var tableRows: [String: Int] = [:]   // table class → body rows
    private var currentTable: [String] = []
    private var inBody = false

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes attr: [String: String] = [:]) {
        counts[name, default: 0] += 1
        attributes.append((name, attr))
        stack.append(name)
        if name == "table" { currentTable.append(attr["class"] ?? "") }
        if name == "tbody" { inBody = true }
        if name == "tr", inBody, let t = currentTable.last { tableRows[t, default: 0] += 1 }
    }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
        if name == "table" { currentTable.removeLast() }
        if name == "tbody" { inBody = false }
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
}

@Suite struct ReportHTMLTests {
    static func parse(_ html: String) throws -> ReportXMLProbe {
        let parser = XMLParser(data: Data(html.utf8))
        let probe = ReportXMLProbe()
        parser.delegate = probe
        let ok = parser.parse()
        #expect(ok, "report.html is not well-formed: \(String(describing: parser.parserError))")
        return probe
    }

    @Test func structureIsComplete() throws {
        let input = ReportFixtures.input()
        let html = HTMLReportWriter().render(input)
        let p = try Self.parse(html)
        // Per variant: JSD chart, MMD² chart, Fréchet chart, heat map, one scatter per map.
        let perVariant = input.variants.map { 4 + $0.tsne.count }.reduce(0, +)
        #expect(p.counts["svg"] == perVariant)
        #expect(p.attributes.filter { $0.0 == "svg" && ($0.1["class"] ?? "").contains("scatter") }.count == 4)
        #expect(p.attributes.filter { $0.0 == "svg" && ($0.1["class"] ?? "").contains("heatmap") }.count == 2)
        #expect(p.counts["script"] == nil && p.counts["link"] == nil && p.counts["img"] == nil)
        #expect(!html.contains("http://") || !html.replacingOccurrences(of: "http://www.w3.org/", with: "").contains("http://"))
        #expect(!html.contains("https://") && !html.contains("@import") && !html.contains("url(http"))
        // Tables: one stats row per layer and variant, the problem lists, the header.
        #expect(p.tableRows["stats"] == input.variants.map(\.layers.count).reduce(0, +))
        #expect(p.attributes.filter { $0.0 == "table" && $0.1["class"] == "stats" }.count == 2)
        #expect(p.tableRows["list quarantined"] == 1)
        #expect(p.tableRows["list excluded"] == 2)
        // Heat map cells: layers × components per variant, the undefined one hatched.
        let cells = p.attributes.filter { $0.0 == "rect" && $0.1["class"] == "cell" }
        #expect(cells.count == 2 * 5 * 4)
        #expect(cells.filter { ($0.1["fill"] ?? "").hasPrefix("url(#hm") }.count == 2)
        // Scatter points: every point drawn once, in the Okabe-Ito colours.
        #expect(p.counts["circle"]! >= 4 * 40)
        let groups = p.attributes.filter { $0.0 == "g" && ($0.1["class"] ?? "").hasPrefix("pts-") }
        #expect(Set(groups.compactMap { $0.1["fill"] }) == ["#E69F00", "#0072B2"])
        #expect(p.text.contains("image tokens (14)") && p.text.contains("text tokens (26)"))
        #expect(p.text.contains("inter-modal (image vs text)") && p.text.contains("intra-modal, image"))
        // Header.
        for s in ["llava-1.5-7b-hf <test>", "coco & friends", "xxh64:0123456789abcdef", "0–3, 5", "1 h 2 min", "12.50 s"] {
            #expect(p.text.contains(s), "missing \(s)")
        }
        #expect(p.text.contains("KL 1.234 (exact)") && p.text.contains("KL 1.234 (estimated)"))
    }

    @Test func undefinedValuesNeverPrintAsNumbers() throws {
        let html = HTMLReportWriter().render(ReportFixtures.input())
        let p = try Self.parse(html)
        for bad in ["NaN", "nan", "inf", "Infinity"] { #expect(!p.text.contains(bad), "found \(bad)") }
        for (_, a) in p.attributes { for v in a.values { #expect(!v.lowercased().contains("nan") && !v.contains("inf")) } }
        #expect(p.text.contains("—"))
    }

    @Test func userStringsAreEscaped() throws {
        let html = HTMLReportWriter().render(ReportFixtures.input())
        #expect(!html.contains("<01>") && !html.contains("<test>") && !html.contains("<batch 3>"))
        #expect(html.contains("img&lt;01&gt;&amp;&quot;q&quot;,x"))
        let p = try Self.parse(html)
        #expect(p.text.contains(ReportFixtures.nastyID))
        #expect(p.text.contains("worker lost & \"timeout\""))
    }

    @Test func emptyRunStillRenders() throws {
        var input = ReportFixtures.input(layers: [7])
        input.quarantinedUnits = []; input.excludedSamples = []
        input.variants = [ReportVariant(name: "pre", title: "Pre-RoPE keys",
                                        layers: [ReportLayer(layer: 7, inter: .undefined, intraImage: .undefined,
                                                             intraText: .undefined, pValue: nil)])]
        let p = try Self.parse(HTMLReportWriter().render(input))
        #expect(p.counts["svg"] == 3)  // no heat map without components, no maps
        #expect(p.text.contains("No unit was quarantined.") && p.text.contains("No sample was excluded."))
        #expect(p.tableRows["stats"] == 1)
    }

    @Test func writesReportFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keyscope-report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try HTMLReportWriter().write(ReportFixtures.input(), to: dir)
        #expect(url.lastPathComponent == "report.html")
        _ = try Self.parse(try String(contentsOf: url, encoding: .utf8))
    }
}

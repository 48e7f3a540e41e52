import Foundation
import Math
import Testing
@testable import Coordinator

@Suite struct ReportCSVTests {
    /// Minimal RFC 4180 reader for the checks.
    static func parse(_ csv: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        var it = Array(csv).makeIterator()
        var pending: Character? = nil
        while let c = pending ?? it.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let n = it.next() { if n == "\"" { field.append("\"") } else { quoted = false; pending = n } } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true }
            else if c == "," { row.append(field); field = "" }
            else if c == "\n" { row.append(field); rows.append(row); row = []; field = "" }
            else { field.append(c) }
        }
        return rows
    }

    @Test func jsdByLayer() {
        let input = ReportFixtures.input()
        let rows = Self.parse(CSVReportWriter().jsdByLayer(input))
        #expect(rows[0] == CSVReportWriter.layerHeader)
        #expect(rows.count == 1 + 2 * 5)
        #expect(rows.dropFirst().allSatisfy { $0.count == CSVReportWriter.layerHeader.count })
        #expect(rows[1][0] == "pre" && rows[1][1] == "0" && Double(rows[1][2]) == 0.1)
        #expect(rows[3][2] == "" && rows[3][11] == "")          // undefined inter and p → empty
        #expect(rows[4][13] == "")                              // NaN MMD² → empty, never "nan"
        #expect(rows[6][0] == "post" && Double(rows[6][2]) == 0.1 + 0.05)
        #expect(!CSVReportWriter().jsdByLayer(input).lowercased().contains("nan"))
    }

    @Test func jsdByComponent() {
        let rows = Self.parse(CSVReportWriter().jsdByComponent(ReportFixtures.input()))
        #expect(rows[0] == ["variant", "layer", "component", "inter_jsd"])
        #expect(rows.count == 1 + 2 * 5 * 4)
        #expect(rows[2] == ["pre", "0", "1", ""])
        #expect(Double(rows[3][3]) == 0.1 / 3)
    }

    @Test func tsneMapsAndFiles() throws {
        let input = ReportFixtures.input()
        let rows = Self.parse(CSVReportWriter().tsne(input.variants[0].tsne[0]))
        #expect(rows[0] == ["x", "y", "modality", "sample_id", "token_index"])
        #expect(rows.count == 41)
        #expect(rows[1][3] == ReportFixtures.nastyID && rows[1][2] == "image" && rows[2][2] == "text")
        #expect(Double(rows[5][0]) == cos(4.0) * 4)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keyscope-csv-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let urls = try CSVReportWriter().writeAll(input, to: dir)
        #expect(urls.map(\.lastPathComponent) == ["jsd_by_layer.csv", "jsd_by_component.csv",
                                                  "tsne_pre_0.csv", "tsne_pre_1.csv", "tsne_post_0.csv", "tsne_post_1.csv"])
        #expect(CSVReportWriter.tsneFileName(variant: "../x y", layer: 3) == "tsne____x_y_3.csv")
    }

    /// A map built from a real `TSNE.embed` result keeps the row order, labels and settings.
    @Test func mapFromTSNEResult() throws {
        let n = 24
        var rng = SplitMix64(seed: 1)
        let x = (0..<(n * 3)).map { _ in rng.nextGaussian() }
        var o = TSNEOptions(); o.iterations = 20; o.exaggerationIterations = 10; o.threads = 1; o.seed = 5
        let r = try TSNE.embed(x, n: n, d: 3, options: o)
        let map = ReportTSNEMap(layer: 4, result: r, modalities: (0..<n).map { $0 < 8 ? .image : .text },
                                sampleIDs: (0..<n).map { "s\($0)" }, tokenIndices: Array(100..<(100 + n)))
        #expect(map.points.count == n && map.iterations == 30 && map.seed == 5)
        #expect(map.perplexity == Double(n - 1) / 3 && map.klIsExact && map.klDivergence == r.klDivergence)
        let rows = Self.parse(CSVReportWriter().tsne(map))
        #expect(rows[1] == ["\(r.embedding[0])", "\(r.embedding[1])", "image", "s0", "100"])
        #expect(rows[n][2] == "text" && rows[n][4] == "\(100 + n - 1)")
    }
}

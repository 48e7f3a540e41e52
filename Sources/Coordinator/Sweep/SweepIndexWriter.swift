// `<sweep>/index.html`: every run of a sweep side by side — one table of runs, then per RoPE variant
// the inter-modal and both intra-modal JSDs per layer per run, and a line chart of the inter-modal
// JSD per run. Self-contained (inline CSS and SVG, no script, no network), like report.html.

import Foundation
import Math

public struct SweepIndexWriter {
    /// One run as the index shows it: its grid point, state, and the per-variant reports if finished.
    public struct Run {
        public var runID: String
        public var point: SweepPoint
        public var state: String
        /// Relative link to the run's report.html, when written.
        public var reportLink: String?
        public var reports: [RopeVariant: VariantReport]
    }

    public init() {}

    /// Reads each grid point's `report/<variant>_rope/report.json` (where present) and writes index.html.
    @discardableResult
    public func write(_ sweep: SweepDirectory, definition: SweepDefinition, status: SweepStatus) throws -> URL {
        var runs: [Run] = []
        for p in definition.points {
            let id = definition.runID(for: p)
            let runPath = sweep.runPath(id)
            var reports: [RopeVariant: VariantReport] = [:]
            for v in RopeVariant.allCases {
                let url = URL(fileURLWithPath: runPath + "/report/\(v.directoryName)/report.json")
                if let data = try? Data(contentsOf: url), let r = try? JSONDecoder().decode(VariantReport.self, from: data) {
                    reports[v] = r
                }
            }
            let state = status.runs.first { $0.runID == id }?.state ?? "pending"
            let hasHTML = FileManager.default.fileExists(atPath: runPath + "/report/report.html")
            runs.append(Run(runID: id, point: p, state: state, reportLink: hasHTML ? "runs/\(id)/report/report.html" : nil,
                            reports: reports))
        }
        let url = URL(fileURLWithPath: sweep.indexPath)
        do {
            try Data(render(name: definition.name, runs: runs).utf8).write(to: url, options: .atomic)
        } catch {
            throw ReportError.writeFailed(path: url.path, reason: error.localizedDescription)
        }
        return url
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]

    public func render(name: String, runs: [Run]) -> String {
        func esc(_ s: String) -> String { ReportFormat.escape(s) }
        var o = "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta charset=\"utf-8\"/>"
        o += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
        o += "<title>keyscope sweep \(esc(name))</title><style>\(HTMLReportWriter.css)</style></head><body>"
        let finished = runs.filter { !$0.reports.isEmpty }.count
        o += "<h1>Sweep \(esc(name))</h1><p>\(finished) of \(runs.count) runs have results.</p>"
        o += "<section class=\"runs\"><h2>Runs</h2><table class=\"stats\"><thead><tr><th>#</th><th>Run</th><th>Model</th><th>Dataset</th>"
        o += "<th>Layers</th><th>RoPE</th><th>Text tokens</th><th>Seed</th><th>State</th><th>Samples used</th></tr></thead><tbody>"
        for (k, r) in runs.enumerated() {
            let link = r.reportLink.map { "<a href=\"\(esc($0))\">\(esc(r.runID))</a>" } ?? esc(r.runID)
            let samples = r.reports.values.first.map { "\($0.run.samples)" } ?? ReportFormat.missing
            let model = r.reports.values.first?.run.modelDescription ?? (r.point.model as NSString).lastPathComponent
            o += "<tr><td class=\"num\">\(k + 1)</td><td>\(link)</td><td>\(esc(model))</td>"
            o += "<td>\(esc((r.point.dataset as NSString).lastPathComponent))</td><td>\(esc(r.point.layers))</td><td>\(esc(r.point.rope))</td>"
            o += "<td>\(esc(r.point.textTokens))</td><td class=\"num\">\(r.point.seed)</td><td>\(esc(r.state))</td><td class=\"num\">\(samples)</td></tr>"
        }
        o += "</tbody></table></section>"
        for v in RopeVariant.allCases {
            let withV = runs.enumerated().filter { $0.element.reports[v] != nil }
            guard !withV.isEmpty else { continue }
            let layers = Array(Set(withV.flatMap { $0.element.reports[v]!.layers.map(\.layer) })).sorted()
            o += "<section class=\"variant\"><h2>\(v == .pre ? "Pre-RoPE" : "Post-RoPE") keys</h2>"
            o += "<table class=\"stats\"><caption>JSD (bits) per layer: inter-modal / intra-image / intra-text, bootstrap p</caption>"
            o += "<thead><tr><th rowspan=\"2\">Layer</th>"
            for (k, r) in withV { o += "<th colspan=\"4\" title=\"\(esc(r.point.label))\">#\(k + 1) \(esc(r.runID))</th>" }
            o += "</tr><tr>"
            for _ in withV { o += "<th>inter</th><th>intra-img</th><th>intra-text</th><th>p</th>" }
            o += "</tr></thead><tbody>"
            for l in layers {
                o += "<tr><th>\(l)</th>"
                for (_, r) in withV {
                    if let x = r.reports[v]!.layers.first(where: { $0.layer == l })?.result {
                        o += "<td class=\"num\">\(ReportFormat.number(x.inter.weighted))</td><td class=\"num\">\(ReportFormat.number(x.intraImage.weighted))</td>"
                        o += "<td class=\"num\">\(ReportFormat.number(x.intraText.weighted))</td><td class=\"num\">\(ReportFormat.pValue(x.bootstrap.pValue))</td>"
                    } else {
                        o += String(repeating: "<td class=\"num\">\(ReportFormat.missing)</td>", count: 4)
                    }
                }
                o += "</tr>"
            }
            o += "</tbody></table>"
            let series = withV.map { (k, r) -> SVGLineChart.Series in
                let byLayer = Dictionary(r.reports[v]!.layers.map { ($0.layer, $0.result.inter.weighted) }, uniquingKeysWith: { a, _ in a })
                return SVGLineChart.Series(name: "#\(k + 1) \(r.runID)", color: Self.palette[k % Self.palette.count],
                                           values: layers.map { byLayer[$0] ?? nil }, band: nil, dashed: k >= Self.palette.count)
            }
            o += "<figure>" + SVGLineChart(title: "Inter-modal JSD per layer", yLabel: "JSD (bits)", xs: layers, series: series).render()
                + "</figure></section>"
        }
        o += "<footer>Generated by keyscope sweep. Each run's own report (linked above) has intervals, MMD, Gaussian measures and t-SNE maps.</footer>"
        return o + "</body></html>\n"
    }
}

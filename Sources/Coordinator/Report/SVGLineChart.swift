import Foundation

/// A per-layer line chart with optional 95 % bands, drawn as inline SVG. Undefined values break
/// the line (a gap), so a missing layer is never drawn as 0.
struct SVGLineChart {
    struct Series {
        var name: String
        var color: String
        var values: [Double?]
        /// Per-point (lower, upper); a band is drawn where both are defined.
        var band: [(Double?, Double?)]?
        var dashed = false
    }

    var title: String
    var yLabel: String
    var xs: [Int]
    var series: [Series]
    var width = 680.0, height = 300.0
    let left = 64.0, right = 16.0, top = 30.0, bottom = 42.0

    func render() -> String {
        let plotW = width - left - right, plotH = height - top - bottom
        var all: [Double] = []
        for s in series {
            all += s.values.compactMap { $0 }.filter(\.isFinite)
            if let b = s.band { all += b.flatMap { [$0.0, $0.1] }.compactMap { $0 }.filter(\.isFinite) }
        }
        var lo = min(0, all.min() ?? 0), hi = all.max() ?? 1
        if hi <= lo { hi = lo + 1 }
        hi += (hi - lo) * 0.05
        let yTicks = ReportFormat.ticks(lo, hi)
        lo = min(lo, yTicks.first ?? lo)
        let xMin = Double(xs.min() ?? 0), xMax = Double(xs.max() ?? 1)
        let xSpan = xMax > xMin ? xMax - xMin : 1
        func px(_ x: Int) -> Double { xs.count == 1 ? left + plotW / 2 : left + (Double(x) - xMin) / xSpan * plotW }
        func py(_ y: Double) -> Double { top + (1 - (y - lo) / (hi - lo)) * plotH }

        var o = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\">"
        o += "<title>\(ReportFormat.escape(title))</title>"
        o += "<text class=\"ctitle\" x=\"\(left)\" y=\"18\">\(ReportFormat.escape(title))</text>"
        // Axes and grid.
        for t in yTicks {
            let y = ReportFormat.coord(py(t))
            o += "<line class=\"grid\" x1=\"\(left)\" x2=\"\(left + plotW)\" y1=\"\(y)\" y2=\"\(y)\"/>"
            o += "<text class=\"tick\" x=\"\(left - 6)\" y=\"\(y)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(ReportFormat.number(t))</text>"
        }
        let step = max(1, Int((Double(xs.count) / 16).rounded(.up)))
        // Every step-th layer (labels never collide); the markers show every layer.
        for (k, x) in xs.enumerated() where k % step == 0 {
            o += "<text class=\"tick\" x=\"\(ReportFormat.coord(px(x)))\" y=\"\(top + plotH + 16)\" text-anchor=\"middle\">\(x)</text>"
        }
        o += "<rect class=\"frame\" x=\"\(left)\" y=\"\(top)\" width=\"\(plotW)\" height=\"\(plotH)\"/>"
        o += "<text class=\"axis\" x=\"\(left + plotW / 2)\" y=\"\(height - 6)\" text-anchor=\"middle\">layer</text>"
        o += "<text class=\"axis\" transform=\"translate(14 \(top + plotH / 2)) rotate(-90)\" text-anchor=\"middle\">\(ReportFormat.escape(yLabel))</text>"
        // Bands first, then lines and markers on top.
        for s in series {
            guard let band = s.band else { continue }
            for run in runs(band.map { b in b.0 != nil && b.1 != nil && b.0!.isFinite && b.1!.isFinite }) {
                let upper = run.map { "\(ReportFormat.coord(px(xs[$0]))),\(ReportFormat.coord(py(band[$0].1!)))" }
                let lower = run.reversed().map { "\(ReportFormat.coord(px(xs[$0]))),\(ReportFormat.coord(py(band[$0].0!)))" }
                o += "<polygon class=\"band\" fill=\"\(s.color)\" points=\"\((upper + lower).joined(separator: " "))\"/>"
            }
        }
        for s in series {
            for run in runs(s.values.map { $0 != nil && $0!.isFinite }) where run.count > 1 {
                let d = run.enumerated().map { (k, i) in
                    "\(k == 0 ? "M" : "L")\(ReportFormat.coord(px(xs[i]))) \(ReportFormat.coord(py(s.values[i]!)))"
                }.joined(separator: " ")
                o += "<path class=\"line\" stroke=\"\(s.color)\"\(s.dashed ? " stroke-dasharray=\"5 3\"" : "") d=\"\(d)\"/>"
            }
            for (i, v) in s.values.enumerated() {
                guard let v, v.isFinite else { continue }
                o += "<circle class=\"marker\" fill=\"\(s.color)\" cx=\"\(ReportFormat.coord(px(xs[i])))\" cy=\"\(ReportFormat.coord(py(v)))\" r=\"2.5\"/>"
            }
        }
        o += legend(x: left + 8, y: top + 8)
        return o + "</svg>"
    }

    private func legend(x: Double, y: Double) -> String {
        var o = "<g class=\"legend\">"
        for (k, s) in series.enumerated() {
            let yy = y + Double(k) * 16
            o += "<line x1=\"\(x)\" x2=\"\(x + 18)\" y1=\"\(yy + 5)\" y2=\"\(yy + 5)\" stroke=\"\(s.color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"5 3\"" : "")/>"
            o += "<text x=\"\(x + 24)\" y=\"\(yy + 9)\">\(ReportFormat.escape(s.name))</text>"
        }
        return o + "</g>"
    }

    /// Maximal runs of consecutive indices where `defined` holds.
    private func runs(_ defined: [Bool]) -> [[Int]] {
        var out: [[Int]] = [], cur: [Int] = []
        for (i, d) in defined.enumerated() {
            if d { cur.append(i) } else if !cur.isEmpty { out.append(cur); cur = [] }
        }
        if !cur.isEmpty { out.append(cur) }
        return out
    }
}

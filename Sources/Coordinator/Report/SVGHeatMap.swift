import Foundation

/// Layers × components heat map of the inter-modal JSD, viridis colours on [0, max]; undefined
/// cells are hatched (never coloured as 0).
struct SVGHeatMap {
    var title: String
    var rowLabels: [Int]
    var values: [[Double?]]
    /// Unique within the page: SVG pattern/gradient ids are document-global.
    var idPrefix: String

    static let viridis: [(Double, Double, Double)] = [
        (68, 1, 84), (72, 40, 120), (62, 74, 137), (49, 104, 142), (38, 130, 142),
        (31, 158, 137), (53, 183, 121), (109, 205, 89), (180, 222, 44), (253, 231, 37),
    ]

    static func color(_ t: Double) -> String {
        let c = max(0, min(1, t)) * Double(viridis.count - 1)
        let i = min(Int(c), viridis.count - 2), f = c - Double(i)
        let a = viridis[i], b = viridis[i + 1]
        func mix(_ u: Double, _ v: Double) -> Int { Int((u + (v - u) * f).rounded()) }
        return String(format: "#%02X%02X%02X", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    func render() -> String {
        let cols = values.map(\.count).max() ?? 0
        let rows = values.count
        let left = 56.0, top = 54.0, legendH = 46.0
        let cw = max(6, min(24, 600 / Double(max(cols, 1)))), ch = max(8, min(20, 420 / Double(max(rows, 1))))
        let width = left + cw * Double(cols) + 16, height = top + ch * Double(rows) + legendH
        let vmax = max(values.flatMap { $0 }.compactMap { $0 }.filter(\.isFinite).max() ?? 0, 1e-12)
        let hatch = "\(idPrefix)-hatch", grad = "\(idPrefix)-grad"
        var o = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart heatmap\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\">"
        o += "<title>\(ReportFormat.escape(title))</title>"
        o += "<defs><pattern id=\"\(hatch)\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
        o += "<rect width=\"6\" height=\"6\" fill=\"#FFFFFF\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#999999\" stroke-width=\"2\"/></pattern>"
        o += "<linearGradient id=\"\(grad)\">"
        for k in 0..<Self.viridis.count {
            let t = Double(k) / Double(Self.viridis.count - 1)
            o += "<stop offset=\"\(ReportFormat.coord(t * 100))%\" stop-color=\"\(Self.color(t))\"/>"
        }
        o += "</linearGradient></defs>"
        o += "<text class=\"ctitle\" x=\"\(left)\" y=\"16\">\(ReportFormat.escape(title))</text>"
        let colStep = max(1, Int((Double(cols) / 16).rounded(.up)))
        for j in stride(from: 0, to: cols, by: colStep) {
            o += "<text class=\"tick\" x=\"\(ReportFormat.coord(left + (Double(j) + 0.5) * cw))\" y=\"\(top - 6)\" text-anchor=\"middle\">\(j)</text>"
        }
        let rowStep = max(1, Int((Double(rows) * 11 / (ch * Double(rows))).rounded(.up)))
        for (i, row) in values.enumerated() {
            let y = top + Double(i) * ch
            if i % rowStep == 0 {
                o += "<text class=\"tick\" x=\"\(left - 6)\" y=\"\(ReportFormat.coord(y + ch / 2))\" text-anchor=\"end\" dominant-baseline=\"middle\">\(rowLabels[i])</text>"
            }
            for j in 0..<cols {
                let v = j < row.count ? row[j] : nil
                let fill: String
                if let v, v.isFinite { fill = Self.color(v / vmax) } else { fill = "url(#\(hatch))" }
                o += "<rect class=\"cell\" x=\"\(ReportFormat.coord(left + Double(j) * cw))\" y=\"\(ReportFormat.coord(y))\" width=\"\(ReportFormat.coord(cw))\" height=\"\(ReportFormat.coord(ch))\" fill=\"\(fill)\"/>"
            }
        }
        o += "<text class=\"axis\" x=\"\(left - 44)\" y=\"\(top - 6)\">layer</text>"
        o += "<text class=\"axis\" x=\"\(left)\" y=\"32\">component →</text>"
        // Colour scale and the hatch meaning.
        let ly = top + ch * Double(rows) + 14
        o += "<g class=\"legend\"><rect x=\"\(left)\" y=\"\(ly)\" width=\"160\" height=\"10\" fill=\"url(#\(grad))\"/>"
        o += "<text x=\"\(left)\" y=\"\(ly + 24)\">0</text><text x=\"\(left + 160)\" y=\"\(ly + 24)\" text-anchor=\"end\">\(ReportFormat.number(vmax))</text>"
        o += "<rect x=\"\(left + 190)\" y=\"\(ly)\" width=\"10\" height=\"10\" fill=\"url(#\(hatch))\" stroke=\"#999999\"/>"
        o += "<text x=\"\(left + 206)\" y=\"\(ly + 9)\">undefined</text></g>"
        return o + "</svg>"
    }
}

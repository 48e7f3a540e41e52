import Foundation

/// A t-SNE map as inline SVG: image tokens orange, text tokens blue (Okabe-Ito, readable with
/// colour-vision deficiencies), equal axis scales, legend with token counts.
struct SVGScatterPlot {
    static let imageColor = "#E69F00"
    static let textColor = "#0072B2"

    var title: String
    var subtitle: String
    var points: [ReportTSNEPoint]
    var size = 340.0

    func render() -> String {
        let pad = 10.0, top = 40.0, legendH = 22.0
        let plot = size - 2 * pad
        let xs = points.map(\.x).filter(\.isFinite), ys = points.map(\.y).filter(\.isFinite)
        let x0 = xs.min() ?? 0, x1 = xs.max() ?? 1, y0 = ys.min() ?? 0, y1 = ys.max() ?? 1
        let span = max(x1 - x0, y1 - y0, 1e-12)
        let cx = (x0 + x1) / 2, cy = (y0 + y1) / 2
        let scale = plot / span * 0.98
        let height = top + plot + 2 * pad + legendH
        var o = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart scatter\" viewBox=\"0 0 \(Int(size)) \(Int(height))\" width=\"\(Int(size))\" height=\"\(Int(height))\" role=\"img\">"
        o += "<title>\(ReportFormat.escape(title))</title>"
        o += "<text class=\"ctitle\" x=\"\(pad)\" y=\"16\">\(ReportFormat.escape(title))</text>"
        o += "<text class=\"tick\" x=\"\(pad)\" y=\"32\">\(ReportFormat.escape(subtitle))</text>"
        o += "<rect class=\"frame\" x=\"\(pad)\" y=\"\(top)\" width=\"\(plot)\" height=\"\(plot)\"/>"
        // One group per modality keeps the markup small (fill set once).
        for (modality, color) in [(ReportModality.text, Self.textColor), (.image, Self.imageColor)] {
            o += "<g class=\"pts-\(modality.rawValue)\" fill=\"\(color)\" fill-opacity=\"0.65\">"
            for p in points where p.modality == modality && p.x.isFinite && p.y.isFinite {
                let sx = pad + plot / 2 + (p.x - cx) * scale, sy = top + plot / 2 - (p.y - cy) * scale
                o += "<circle cx=\"\(ReportFormat.coord(sx))\" cy=\"\(ReportFormat.coord(sy))\" r=\"1.6\"/>"
            }
            o += "</g>"
        }
        let nImage = points.filter { $0.modality == .image }.count, nText = points.count - nImage
        let ly = top + plot + pad + 8
        o += "<g class=\"legend\">"
        o += "<circle cx=\"\(pad + 6)\" cy=\"\(ly)\" r=\"4\" fill=\"\(Self.imageColor)\"/><text x=\"\(pad + 14)\" y=\"\(ly + 4)\">image tokens (\(nImage))</text>"
        o += "<circle cx=\"\(pad + 166)\" cy=\"\(ly)\" r=\"4\" fill=\"\(Self.textColor)\"/><text x=\"\(pad + 174)\" y=\"\(ly + 4)\">text tokens (\(nText))</text>"
        o += "</g>"
        return o + "</svg>"
    }
}

import Foundation

/// Text escaping and number formatting shared by the HTML, SVG and CSV writers. Non-finite or
/// missing numbers never reach the output as "NaN"/"inf": they become "—" (HTML) or an empty field (CSV).
enum ReportFormat {
    static let missing = "—"

    /// Escapes the five XML-special characters so user strings (sample ids, errors) cannot
    /// break the markup; the page is well-formed XML as well as HTML.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters other than tab/newline are not allowed in XML 1.0.
                if ch.value < 0x20 && ch != "\t" && ch != "\n" && ch != "\r" { out += "\u{FFFD}" } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }

    /// A number for people: 4 significant digits, scientific below 1e-3; "—" when undefined.
    static func number(_ v: Double?) -> String {
        guard let v, v.isFinite else { return missing }
        if v == 0 { return "0" }
        let a = abs(v)
        if a < 1e-3 || a >= 1e6 { return String(format: "%.3e", v) }
        return String(format: "%.4g", v)
    }

    static func pValue(_ v: Double?) -> String {
        guard let v, v.isFinite else { return missing }
        return v < 1e-3 ? String(format: "%.1e", v) : String(format: "%.3f", v)
    }

    static func interval(_ e: ReportEstimate) -> String {
        guard let lo = e.lower, let hi = e.upper, lo.isFinite, hi.isFinite else { return missing }
        return "[\(number(lo)), \(number(hi))]"
    }

    static func seconds(_ s: Double) -> String {
        guard s.isFinite else { return missing }
        if s < 60 { return String(format: "%.2f s", s) }
        let m = Int(s / 60), r = s - Double(m) * 60
        return m < 60 ? String(format: "%d min %.0f s", m, r) : String(format: "%d h %d min", m / 60, m % 60)
    }

    /// SVG coordinate: one decimal keeps files small and is finer than a printed dot.
    static func coord(_ v: Double) -> String { String(format: "%.1f", v) }

    /// CSV field: full precision for numbers, empty when undefined.
    static func csvNumber(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "" }
        return "\(v)"
    }

    /// RFC 4180 quoting when the field holds a comma, quote or line break.
    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// About `count` round tick values covering [lo, hi].
    static func ticks(_ lo: Double, _ hi: Double, count: Int = 5) -> [Double] {
        guard hi > lo, lo.isFinite, hi.isFinite else { return [lo] }
        let raw = (hi - lo) / Double(max(1, count))
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? raw
        var t = (lo / step).rounded(.up) * step
        var out: [Double] = []
        while t <= hi + step * 1e-9 { out.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
        return out
    }
}

import Foundation

/// Machine-readable companions of `report.html`: `jsd_by_layer.csv`, `jsd_by_component.csv` and
/// one `tsne_<variant>_<layer>.csv` per map. Undefined numbers are empty fields (never "nan"),
/// numbers carry full Double precision, strings are RFC 4180-quoted when needed.
public struct CSVReportWriter: Sendable {
    public init() {}

    public static let layerHeader = [
        "variant", "layer", "inter_jsd", "inter_lo", "inter_hi", "intra_image_jsd", "intra_image_lo", "intra_image_hi",
        "intra_text_jsd", "intra_text_lo", "intra_text_hi", "p_value", "inter_jsd_unweighted", "mmd2", "mmd_p_value",
        "frechet", "symmetric_kl", "image_tokens", "text_tokens",
    ]
    public static let componentHeader = ["variant", "layer", "component", "inter_jsd"]
    public static let tsneHeader = ["x", "y", "modality", "sample_id", "token_index"]

    public func jsdByLayer(_ input: ReportInput) -> String {
        var rows = [Self.layerHeader.joined(separator: ",")]
        for v in input.variants {
            for l in v.layers.sorted(by: { $0.layer < $1.layer }) {
                let n = ReportFormat.csvNumber
                rows.append(([ReportFormat.csvField(v.name), "\(l.layer)",
                              n(l.inter.value), n(l.inter.lower), n(l.inter.upper),
                              n(l.intraImage.value), n(l.intraImage.lower), n(l.intraImage.upper),
                              n(l.intraText.value), n(l.intraText.lower), n(l.intraText.upper),
                              n(l.pValue), n(l.unweightedInter), n(l.mmd2), n(l.mmdPValue),
                              n(l.frechet), n(l.symmetricKL), "\(l.imageTokens)", "\(l.textTokens)"]).joined(separator: ","))
            }
        }
        return rows.joined(separator: "\n") + "\n"
    }

    public func jsdByComponent(_ input: ReportInput) -> String {
        var rows = [Self.componentHeader.joined(separator: ",")]
        for v in input.variants {
            for l in v.layers.sorted(by: { $0.layer < $1.layer }) {
                for (j, x) in l.componentJSD.enumerated() {
                    rows.append("\(ReportFormat.csvField(v.name)),\(l.layer),\(j),\(ReportFormat.csvNumber(x))")
                }
            }
        }
        return rows.joined(separator: "\n") + "\n"
    }

    public func tsne(_ map: ReportTSNEMap) -> String {
        var rows = [Self.tsneHeader.joined(separator: ",")]
        rows.reserveCapacity(map.points.count + 1)
        for p in map.points {
            rows.append("\(ReportFormat.csvNumber(p.x)),\(ReportFormat.csvNumber(p.y)),\(p.modality.rawValue),\(ReportFormat.csvField(p.sampleID)),\(p.tokenIndex)")
        }
        return rows.joined(separator: "\n") + "\n"
    }

    /// File name of a map's CSV; the variant name is reduced to [A-Za-z0-9_-] so it is a safe path.
    public static func tsneFileName(variant: String, layer: Int) -> String {
        let safe = String(variant.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "-" || $0 == "_" ? Character($0) : "_" })
        return "tsne_\(safe)_\(layer).csv"
    }

    /// Writes every CSV into `directory`; returns the URLs in writing order.
    @discardableResult
    public func writeAll(_ input: ReportInput, to directory: URL) throws -> [URL] {
        var files: [(String, String)] = [("jsd_by_layer.csv", jsdByLayer(input)), ("jsd_by_component.csv", jsdByComponent(input))]
        for v in input.variants {
            for m in v.tsne.sorted(by: { $0.layer < $1.layer }) {
                files.append((Self.tsneFileName(variant: v.name, layer: m.layer), tsne(m)))
            }
        }
        var urls: [URL] = []
        for (name, text) in files {
            let url = directory.appendingPathComponent(name)
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                try Data(text.utf8).write(to: url, options: .atomic)
            } catch {
                throw ReportError.writeFailed(path: url.path, reason: "\(error)")
            }
            urls.append(url)
        }
        return urls
    }
}

import Foundation

/// Expands Slurm's compressed host lists (`SLURM_JOB_NODELIST`, e.g. `node[01-03,7],gpu5`) into host names,
/// the same way `scontrol show hostnames` does, so that `keyscope cluster from-slurm` needs no Slurm
/// binaries on the node that runs it.
///
/// Grammar (Slurm's hostlist.c): a comma-separated list at bracket depth 0; each entry is text with any
/// number of `[ranges]` groups, each group a comma-separated list of `N` or `LO-HI`. Several groups in one
/// entry form their cartesian product (`r[1-2]n[1-2]` → r1n1, r1n2, r2n1, r2n2). A range keeps the width of
/// its lower bound when that bound has leading zeros (`[08-10]` → 08, 09, 10; `[8-10]` → 8, 9, 10).
/// Order and duplicates are kept, as Slurm keeps them.
public enum SlurmHostList {
    /// Upper bound on the expanded size: a typo like `n[1-999999999]` fails instead of eating memory.
    public static let maxHosts = 1_000_000

    public static func expand(_ list: String) throws -> [String] {
        let trimmed = list.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw SlurmHostListError(list: list, reason: "is empty") }
        var hosts: [String] = []
        for entry in try splitTopLevel(trimmed, in: list) {
            guard !entry.isEmpty else { throw SlurmHostListError(list: list, reason: "has an empty entry") }
            hosts += try expandEntry(entry, in: list)
            if hosts.count > maxHosts { throw SlurmHostListError(list: list, reason: "expands to more than \(maxHosts) hosts") }
        }
        return hosts
    }

    /// Splits at commas outside brackets, checking that brackets balance and do not nest.
    static func splitTopLevel(_ s: String, in list: String) throws -> [String] {
        var parts: [String] = [], current = "", depth = 0
        for ch in s {
            switch ch {
            case "[":
                guard depth == 0 else { throw SlurmHostListError(list: list, reason: "has nested \"[\"") }
                depth = 1; current.append(ch)
            case "]":
                guard depth == 1 else { throw SlurmHostListError(list: list, reason: "has \"]\" without \"[\"") }
                depth = 0; current.append(ch)
            case "," where depth == 0:
                parts.append(current); current = ""
            default:
                if ch.isWhitespace { throw SlurmHostListError(list: list, reason: "contains whitespace") }
                current.append(ch)
            }
        }
        guard depth == 0 else { throw SlurmHostListError(list: list, reason: "has \"[\" without \"]\"") }
        parts.append(current)
        return parts
    }

    /// One entry, e.g. `rack[1-2]-n[01-02]x`: literal pieces and bracket groups, then their product.
    static func expandEntry(_ entry: String, in list: String) throws -> [String] {
        var results = [""]
        var rest = Substring(entry)
        while !rest.isEmpty {
            if let open = rest.firstIndex(of: "[") {
                let prefix = rest[..<open]
                guard let close = rest[open...].firstIndex(of: "]") else {
                    throw SlurmHostListError(list: list, reason: "has \"[\" without \"]\"")
                }
                let values = try expandGroup(rest[rest.index(after: open)..<close], in: list)
                if results.count * values.count > maxHosts {
                    throw SlurmHostListError(list: list, reason: "expands to more than \(maxHosts) hosts")
                }
                results = results.flatMap { r in values.map { r + prefix + $0 } }
                rest = rest[rest.index(after: close)...]
            } else {
                results = results.map { $0 + rest }
                rest = ""
            }
        }
        return results
    }

    /// The inside of one `[…]`: `01-03,7` → ["01", "02", "03", "7"].
    static func expandGroup(_ group: Substring, in list: String) throws -> [String] {
        guard !group.isEmpty else { throw SlurmHostListError(list: list, reason: "has an empty \"[]\"") }
        var out: [String] = []
        for item in group.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count == 1 || bounds.count == 2, bounds.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }) else {
                throw SlurmHostListError(list: list, reason: "has \"\(item)\" in brackets, expected N or LO-HI")
            }
            if bounds.count == 1 { out.append(String(bounds[0])); continue }
            let lo = bounds[0], hi = bounds[1]
            guard lo.count <= 18, hi.count <= 18, let a = Int(lo), let b = Int(hi) else {
                throw SlurmHostListError(list: list, reason: "has a number too large in \"\(item)\"")
            }
            guard a <= b else { throw SlurmHostListError(list: list, reason: "has a descending range \"\(item)\"") }
            guard b - a < maxHosts else { throw SlurmHostListError(list: list, reason: "expands to more than \(maxHosts) hosts") }
            let width = lo.count  // Slurm pads every number to the lower bound's width
            for n in a...b {
                let digits = String(n)
                out.append(digits.count < width ? String(repeating: "0", count: width - digits.count) + digits : digits)
            }
        }
        return out
    }
}

/// A host list that Slurm would not accept; names the list and what is wrong with it.
public struct SlurmHostListError: Error, Equatable, CustomStringConvertible {
    public let list: String
    public let reason: String
    public var description: String { "host list \"\(list)\" \(reason)" }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

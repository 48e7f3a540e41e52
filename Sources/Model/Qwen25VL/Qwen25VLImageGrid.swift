import Foundation

/// `image_grid_thw` row of one image as the Qwen2-VL image processor produces it: temporal patches
/// `t` (1 for a still image), and the patch grid `h × w` (multiples of `spatial_merge_size`).
/// The image holds `t·h·w` rows of `pixel_values` and `t·h·w / merge²` `<|image_pad|>` tokens.
public struct Qwen25VLImageGrid: Sendable, Equatable, Codable, CustomStringConvertible {
    public var t: Int
    public var h: Int
    public var w: Int

    public init(t: Int, h: Int, w: Int) { self.t = t; self.h = h; self.w = w }

    public var patches: Int { t * h * w }
    public func tokens(merge m: Int) -> Int { t * (h / m) * (w / m) }
    public var description: String { "[\(t), \(h), \(w)]" }
}

/// Index bookkeeping of the vision tower for a list of images (transformers' `get_vision_position_ids`,
/// `get_vision_window_index`, `get_vision_cu_seqlens`), kept apart from the arithmetic so it can be
/// checked on its own.
///
/// `pixel_values` rows come block-major: each `merge × merge` block of patches is `merge²` consecutive
/// rows (a merged *unit*). Window attention reorders units window by window (`windowIndex[j]` = original
/// unit at new slot `j`); the merger output is put back in original order with the inverse permutation.
public struct Qwen25VLVisionLayout: Sendable, Equatable {
    /// Per patch, in the original (block-major) order: its row and column in the patch grid.
    public let rowPositions: [Int]
    public let columnPositions: [Int]
    /// New slot → original merged unit.
    public let windowIndex: [Int]
    /// Window boundaries in patches (after reordering), `[0, …, N]`, duplicates removed.
    public let windowBoundaries: [Int]
    /// Full-attention boundaries in patches: one segment per image frame (`h·w` patches).
    public let fullBoundaries: [Int]

    public init(grids: [Qwen25VLImageGrid], mergeSize m: Int, windowSide side: Int) {
        var rows: [Int] = [], cols: [Int] = []
        var index: [Int] = [], windows = [0], full = [0]
        var unitOffset = 0
        for g in grids {
            // Positions: meshgrid(h, w) reshaped to (h/m, m, w/m, m), blocks first, repeated t times.
            for _ in 0..<g.t {
                for bh in 0..<(g.h / m) { for bw in 0..<(g.w / m) { for ih in 0..<m { for iw in 0..<m {
                    rows.append(bh * m + ih); cols.append(bw * m + iw)
                } } } }
                full.append(full.last! + g.h * g.w)
            }
            // Windows of `side × side` units, row-major over windows, padded grids skipped.
            let lh = g.h / m, lw = g.w / m
            let nh = (lh + side - lh % side) / side, nw = (lw + side - lw % side) / side
            for f in 0..<g.t {
                for wy in 0..<nh { for wx in 0..<nw {
                    var n = 0
                    for y in (wy * side)..<min((wy + 1) * side, lh) { for x in (wx * side)..<min((wx + 1) * side, lw) {
                        index.append(unitOffset + f * lh * lw + y * lw + x); n += 1
                    } }
                    if n > 0 { windows.append(windows.last! + n * m * m) }
                } }
            }
            unitOffset += g.t * lh * lw
        }
        rowPositions = rows; columnPositions = cols
        windowIndex = index; windowBoundaries = windows; fullBoundaries = full
    }

    /// Original unit → new slot (transformers' `argsort(window_index)`).
    public var inverseWindowIndex: [Int] {
        var inv = [Int](repeating: 0, count: windowIndex.count)
        for (slot, unit) in windowIndex.enumerated() { inv[unit] = slot }
        return inv
    }
}

import Foundation
import Math

/// transformers 5.24's `Qwen2_5_VLModel.get_rope_index` for one unpadded prompt of images and text.
///
/// Text tokens get one shared position in all three rows, counting on from the previous token. An image
/// of grid `(t, h, w)` starting at position `s` gives its `t·(h/m)·(w/m)` tokens (t, h, w) positions
/// `(s + i, s + y, s + x)` in (frame, row, column) order; the text after it continues at
/// `s + max(h, w) / m` (still images have `t = 1`, so this is one past the largest image position).
public enum Qwen25VLRopeIndex {
    /// Positions for `inputIds`, where runs of `imageTokenId` take the grids of `grids` in order.
    public static func positions(inputIds ids: [Int], imageTokenId: Int, grids: [Qwen25VLImageGrid],
                                 spatialMergeSize m: Int) throws -> MultimodalPositions {
        var t: [Int] = [], h: [Int] = [], w: [Int] = []
        t.reserveCapacity(ids.count); h.reserveCapacity(ids.count); w.reserveCapacity(ids.count)
        var current = 0, nextGrid = 0, i = 0
        while i < ids.count {
            if ids[i] != imageTokenId {
                t.append(current); h.append(current); w.append(current)
                current += 1; i += 1
                continue
            }
            guard nextGrid < grids.count else {
                let tokens = ids.filter { $0 == imageTokenId }.count
                throw Qwen25VLError.imageTokenMismatch(imageTokens: tokens, imageFeatures: grids.reduce(0) { $0 + $1.tokens(merge: m) })
            }
            let g = grids[nextGrid]
            nextGrid += 1
            let lh = g.h / m, lw = g.w / m, n = g.t * lh * lw
            guard i + n <= ids.count, ids[i..<(i + n)].allSatisfy({ $0 == imageTokenId }) else {
                let tokens = ids.filter { $0 == imageTokenId }.count
                throw Qwen25VLError.imageTokenMismatch(imageTokens: tokens, imageFeatures: grids.reduce(0) { $0 + $1.tokens(merge: m) })
            }
            for f in 0..<g.t { for y in 0..<lh { for x in 0..<lw {
                t.append(current + f); h.append(current + y); w.append(current + x)
            } } }
            current += max(g.h, g.w) / m
            i += n
        }
        return MultimodalPositions(t: t, h: h, w: w)
    }
}

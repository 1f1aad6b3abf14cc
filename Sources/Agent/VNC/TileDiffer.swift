import RFB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds what changed between two frames, tile by tile (TigerVNC's `ComparingUpdateTracker`):
/// the source's damage is only a hint of where to look, tiles whose pixels are unchanged are
/// never sent, and a changed tile is shrunk to the box of its differing pixels, so the
/// unchanged wallpaper beside a moving window's edge is not sent again.
enum TileDiffer {
    /// For each 64×64 tile of `new` that differs from `old`, the bounding box of the pixels
    /// that differ, looking only at tiles touching `hint` (nil: the whole frame). Frames of
    /// different sizes differ everywhere.
    static func changedBoxes(old: Framebuffer, new: Framebuffer, hint: [Rect]?) -> [Rect] {
        guard old.width == new.width, old.height == new.height else { return [new.bounds] }
        let t = DamageRegion.tileSize
        let columns = (new.width + t - 1) / t
        let rows = (new.height + t - 1) / t
        guard columns > 0, rows > 0 else { return [] }
        var candidates = [Bool](repeating: hint == nil, count: columns * rows)
        for rect in hint ?? [] {
            guard let r = rect.intersection(new.bounds) else { continue }
            for row in (r.y / t)...((r.maxY - 1) / t) {
                for column in (r.x / t)...((r.maxX - 1) / t) {
                    candidates[row * columns + column] = true
                }
            }
        }
        var changed: [Rect] = []
        old.pixels.withUnsafeBufferPointer { a in
            new.pixels.withUnsafeBufferPointer { b in
                let frames = Pair(old: a.baseAddress!, new: b.baseAddress!, width: new.width)
                for row in 0..<rows {
                    let y0 = row * t
                    let y1 = min(y0 + t, new.height)
                    for column in 0..<columns where candidates[row * columns + column] {
                        let x0 = column * t
                        let tile = Rect(
                            x: x0, y: y0, width: min(t, new.width - x0), height: y1 - y0)
                        if let box = frames.changedBox(in: tile) { changed.append(box) }
                    }
                }
            }
        }
        return changed
    }

    /// Two frames of one size, compared in place.
    private struct Pair {
        let old: UnsafePointer<UInt32>
        let new: UnsafePointer<UInt32>
        let width: Int

        /// Whether row `y` differs between `x` and `x + count`.
        func rowDiffers(_ y: Int, x: Int, count: Int) -> Bool {
            let offset = y * width + x
            return memcmp(old + offset, new + offset, count * 4) != 0
        }

        /// The bounding box of the differing pixels in `tile`, or nil when it is unchanged:
        /// rows are compared with `memcmp` from the top and from the bottom, then only the
        /// rows between are scanned for the leftmost and rightmost differing columns.
        func changedBox(in tile: Rect) -> Rect? {
            let x0 = tile.x
            let w = tile.width
            guard let top = (tile.y..<tile.maxY).first(where: { rowDiffers($0, x: x0, count: w) })
            else { return nil }
            var bottom = top
            for y in stride(from: tile.maxY - 1, to: top, by: -1)
            where rowDiffers(y, x: x0, count: w) {
                bottom = y
                break
            }
            var left = tile.maxX  // first differing column found so far
            var right = x0 - 1  // last differing column found so far
            for y in top...bottom where y == top || y == bottom || rowDiffers(y, x: x0, count: w) {
                let a = old + y * width
                let b = new + y * width
                var x = x0
                while x < left && a[x] == b[x] { x += 1 }
                left = min(left, x)
                var r = tile.maxX - 1
                while r > right && a[r] == b[r] { r -= 1 }
                right = max(right, r)
                if left == x0 && right == tile.maxX - 1 { break }
            }
            return Rect(x: left, y: top, width: right - left + 1, height: bottom - top + 1)
        }
    }
}

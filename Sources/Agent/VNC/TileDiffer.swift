import RFB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds which 64×64 tiles of a new frame differ from the previous one (TigerVNC's
/// `ComparingUpdateTracker`): the source's damage is only a hint of where to look, and
/// tiles whose pixels are unchanged are never sent.
enum TileDiffer {
    /// The changed tiles of `new` against `old`, looking only at tiles touching `hint`
    /// (nil: the whole frame). Frames of different sizes differ everywhere.
    static func changedTiles(old: Framebuffer, new: Framebuffer, hint: [Rect]?) -> [Rect] {
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
                let width = new.width
                for row in 0..<rows {
                    let y0 = row * t
                    let y1 = min(y0 + t, new.height)
                    for column in 0..<columns where candidates[row * columns + column] {
                        let x0 = column * t
                        let w = min(t, width - x0)
                        var differs = false
                        for y in y0..<y1 {
                            let offset = y * width + x0
                            if memcmp(a.baseAddress! + offset, b.baseAddress! + offset, w * 4) != 0
                            {
                                differs = true
                                break
                            }
                        }
                        if differs { changed.append(Rect(x: x0, y: y0, width: w, height: y1 - y0)) }
                    }
                }
            }
        }
        return changed
    }
}

/// The distinct colours of a rectangle, most frequent first, when there are few enough:
/// what decides between Tight's solid, 2-colour, indexed and full-colour forms (TigerVNC's
/// `Palette` and `analyseRect`).
///
/// Counting walks runs of equal pixels, so flat desktop content costs one comparison per
/// pixel, and it stops as soon as the limit is passed, so photos cost little.
struct TightPalette {
    /// The colours, `0x00RRGGBB`, most frequent first; at most 256.
    private(set) var colours: [UInt32] = []
    private var counts: [Int] = []
    /// Open-addressing hash table: colour keys (`empty` when free) and palette indices.
    private var keys: [UInt32]
    private var slots: [UInt8]

    private static let tableSize = 1024
    /// Never a framebuffer colour: the top byte of `0x00RRGGBB` pixels is zero.
    private static let empty: UInt32 = 0xFFFF_FFFF

    var count: Int { colours.count }

    private init() {
        keys = [UInt32](repeating: Self.empty, count: Self.tableSize)
        slots = [UInt8](repeating: 0, count: Self.tableSize)
    }

    /// Most colours worth a palette for a rectangle of `area` pixels (TigerVNC's rule): with
    /// JPEG available, 24 at compression levels below 2 and 96 otherwise, since JPEG does
    /// better on many colours; without, `area / (level × 8)`; never above 256 nor below 2.
    static func maxColours(area: Int, compressionLevel: Int, jpeg: Bool) -> Int {
        var limit: Int
        if jpeg {
            limit = compressionLevel < 2 ? 24 : 96
        } else {
            limit = area / max(4, compressionLevel * 8)
        }
        return min(max(limit, 2), 256)
    }

    /// The palette of `width × height` pixels from `source` (rows `stride` apart), or nil
    /// when they hold more than `maxColours` colours.
    static func analyse(
        _ source: UnsafePointer<UInt32>, stride: Int, width: Int, height: Int, maxColours: Int
    ) -> TightPalette? {
        var palette = TightPalette()
        // The top byte is not colour (the framebuffer's contract); masking it also keeps
        // `empty` out of the keys.
        var run = source[0] & 0x00FF_FFFF
        var runLength = 0
        for y in 0..<height {
            let row = source + y * stride
            for x in 0..<width {
                let p = row[x] & 0x00FF_FFFF
                if p == run {
                    runLength += 1
                    continue
                }
                palette.add(run, count: runLength)
                guard palette.colours.count <= maxColours else { return nil }
                run = p
                runLength = 1
            }
        }
        palette.add(run, count: runLength)
        guard palette.colours.count <= maxColours else { return nil }
        palette.sortByFrequency()
        return palette
    }

    @inline(__always)
    private static func hash(_ colour: UInt32) -> Int {
        Int((colour &* 2_654_435_761) >> 22)
    }

    private mutating func add(_ colour: UInt32, count: Int) {
        var slot = Self.hash(colour)
        while true {
            let key = keys[slot]
            if key == colour {
                counts[Int(slots[slot])] += count
                return
            }
            if key == Self.empty { break }
            slot = (slot + 1) & (Self.tableSize - 1)
        }
        // Past 256 colours the caller gives up; never write an index that does not fit.
        guard colours.count < 256 else {
            colours.append(colour)
            return
        }
        keys[slot] = colour
        slots[slot] = UInt8(colours.count)
        colours.append(colour)
        counts.append(count)
    }

    /// Orders the colours most frequent first, so index 0 (the 2-colour background) is
    /// the commonest and the indices compress best.
    private mutating func sortByFrequency() {
        let order = colours.indices.sorted { counts[$0] > counts[$1] }
        let sorted = order.map { colours[$0] }
        colours = sorted
        counts = order.map { counts[$0] }
        for i in keys.indices { keys[i] = Self.empty }
        for (i, colour) in sorted.enumerated() {
            var slot = Self.hash(colour)
            while keys[slot] != Self.empty { slot = (slot + 1) & (Self.tableSize - 1) }
            keys[slot] = colour
            slots[slot] = UInt8(i)
        }
    }

    @inline(__always)
    private static func lookup(
        _ colour: UInt32, keys: UnsafeBufferPointer<UInt32>, slots: UnsafeBufferPointer<UInt8>
    ) -> Int {
        let colour = colour & 0x00FF_FFFF
        var slot = hash(colour)
        // A colour that is not in the palette stops at an empty slot (index 0) instead of
        // searching forever.
        while keys[slot] != colour && keys[slot] != empty { slot = (slot + 1) & (tableSize - 1) }
        return Int(slots[slot])
    }

    /// Looks colours up quickly in hot loops: the same search over raw pointers.
    func withLookup<R>(_ body: (_ lookup: (UInt32) -> UInt8) -> R) -> R {
        keys.withUnsafeBufferPointer { keys in
            slots.withUnsafeBufferPointer { slots in
                body { UInt8(truncatingIfNeeded: Self.lookup($0, keys: keys, slots: slots)) }
            }
        }
    }
}

import RFB

/// The parts of the screen one viewer has not seen yet, kept as a grid of 64×64 tiles, each
/// holding the box of its dirty pixels: adding is cheap, and taking rectangles out merges
/// neighbouring boxes so encoders get large areas without unchanged pixels around them.
struct DamageRegion {
    static let tileSize = 64
    /// Unchanged pixels a merge may add to save a rectangle (a rectangle costs a header and,
    /// as JPEG, a few hundred bytes of tables): a quarter of a tile.
    static let mergeWaste = tileSize * tileSize / 4

    /// The dirty part of one tile, in screen coordinates; empty when `x1 <= x0`.
    private struct Box {
        var x0: Int32 = 0
        var y0: Int32 = 0
        var x1: Int32 = 0
        var y1: Int32 = 0

        var isEmpty: Bool { x1 <= x0 }
        var rect: Rect {
            Rect(x: Int(x0), y: Int(y0), width: Int(x1 - x0), height: Int(y1 - y0))
        }

        /// Grows the box to cover `r` (already inside the box's tile).
        mutating func formUnion(_ r: Rect) {
            if isEmpty {
                self = Box(x0: Int32(r.x), y0: Int32(r.y), x1: Int32(r.maxX), y1: Int32(r.maxY))
            } else {
                x0 = min(x0, Int32(r.x))
                y0 = min(y0, Int32(r.y))
                x1 = max(x1, Int32(r.maxX))
                y1 = max(y1, Int32(r.maxY))
            }
        }
    }

    private(set) var width = 0
    private(set) var height = 0
    private var columns = 0
    private var rows = 0
    private var boxes: [Box] = []
    private(set) var dirtyCount = 0

    init(width: Int, height: Int) {
        reset(width: width, height: height)
    }

    var isEmpty: Bool { dirtyCount == 0 }

    /// A new size; nothing is dirty.
    mutating func reset(width: Int, height: Int) {
        self.width = width
        self.height = height
        columns = (width + Self.tileSize - 1) / Self.tileSize
        rows = (height + Self.tileSize - 1) / Self.tileSize
        boxes = [Box](repeating: Box(), count: columns * rows)
        dirtyCount = 0
    }

    /// Marks `rect`'s pixels dirty (each tile it touches grows its box to cover them).
    mutating func add(_ rect: Rect) {
        guard let r = rect.intersection(Rect(x: 0, y: 0, width: width, height: height)) else {
            return
        }
        let t = Self.tileSize
        for row in (r.y / t)...((r.maxY - 1) / t) {
            for column in (r.x / t)...((r.maxX - 1) / t) {
                let tile = Rect(x: column * t, y: row * t, width: t, height: t)
                guard let part = r.intersection(tile) else { continue }
                let index = row * columns + column
                if boxes[index].isEmpty { dirtyCount += 1 }
                boxes[index].formUnion(part)
            }
        }
    }

    /// The dirty boxes of the tiles inside `area` as merged rectangles, clipped to `area`;
    /// those tiles are then clean. Neighbouring boxes along a row of tiles merge when that
    /// adds at most ``mergeWaste`` unchanged pixels (exact when they share their top and
    /// bottom); the runs then stack when consecutive rows have runs of the same columns
    /// that touch.
    mutating func take(in area: Rect) -> [Rect] {
        guard dirtyCount > 0,
            let area = area.intersection(Rect(x: 0, y: 0, width: width, height: height))
        else { return [] }
        let t = Self.tileSize
        var open: [Rect] = []  // runs that may grow downwards
        var done: [Rect] = []
        for row in (area.y / t)...((area.maxY - 1) / t) {
            var runs: [Rect] = []
            var previousColumn = -2
            for column in (area.x / t)...((area.maxX - 1) / t) {
                let index = row * columns + column
                guard !boxes[index].isEmpty else { continue }
                let box = boxes[index].rect
                boxes[index] = Box()
                dirtyCount -= 1
                if column == previousColumn + 1, let last = runs.last,
                    let merged = Self.merge(last, box)
                {
                    runs[runs.count - 1] = merged
                } else {
                    runs.append(box)
                }
                previousColumn = column
            }
            var next: [Rect] = []
            for run in runs {
                if let i = open.firstIndex(where: {
                    $0.x == run.x && $0.width == run.width && $0.maxY == run.y
                }) {
                    var grown = open.remove(at: i)
                    grown.height += run.height
                    next.append(grown)
                } else {
                    next.append(run)
                }
            }
            done += open
            open = next
        }
        return (done + open).compactMap { $0.intersection(area) }
    }

    /// The bounding box of two boxes side by side in a row, unless it would hold more than
    /// ``mergeWaste`` pixels that are in neither.
    private static func merge(_ a: Rect, _ b: Rect) -> Rect? {
        let y0 = min(a.y, b.y)
        let y1 = max(a.maxY, b.maxY)
        let union = Rect(x: a.x, y: y0, width: b.maxX - a.x, height: y1 - y0)
        return union.area - a.area - b.area <= mergeWaste ? union : nil
    }
}

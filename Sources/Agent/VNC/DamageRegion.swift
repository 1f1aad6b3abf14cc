import RFB

/// The parts of the screen one viewer has not seen yet, kept as a grid of 64×64 tiles: adding
/// is cheap, and taking rectangles out merges neighbouring tiles so encoders get large areas.
struct DamageRegion {
    static let tileSize = 64
    private(set) var width = 0
    private(set) var height = 0
    private var columns = 0
    private var rows = 0
    private var dirty: [Bool] = []
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
        dirty = [Bool](repeating: false, count: columns * rows)
        dirtyCount = 0
    }

    /// Marks every tile that `rect` touches.
    mutating func add(_ rect: Rect) {
        guard let r = rect.intersection(Rect(x: 0, y: 0, width: width, height: height)) else {
            return
        }
        let t = Self.tileSize
        for row in (r.y / t)...((r.maxY - 1) / t) {
            for column in (r.x / t)...((r.maxX - 1) / t) where !dirty[row * columns + column] {
                dirty[row * columns + column] = true
                dirtyCount += 1
            }
        }
    }

    /// The dirty tiles inside `area` as merged rectangles (runs along rows, then stacked
    /// when consecutive rows have the same run), clipped to `area`; they are then clean.
    mutating func take(in area: Rect) -> [Rect] {
        guard dirtyCount > 0,
            let area = area.intersection(Rect(x: 0, y: 0, width: width, height: height))
        else { return [] }
        let t = Self.tileSize
        var open: [Rect] = []  // runs that may grow downwards
        var done: [Rect] = []
        for row in (area.y / t)...((area.maxY - 1) / t) {
            var runs: [Rect] = []
            var column = area.x / t
            let lastColumn = (area.maxX - 1) / t
            while column <= lastColumn {
                guard dirty[row * columns + column] else {
                    column += 1
                    continue
                }
                let start = column
                while column <= lastColumn && dirty[row * columns + column] {
                    dirty[row * columns + column] = false
                    dirtyCount -= 1
                    column += 1
                }
                runs.append(Rect(x: start * t, y: row * t, width: (column - start) * t, height: t))
            }
            var next: [Rect] = []
            for run in runs {
                if let i = open.firstIndex(where: { $0.x == run.x && $0.width == run.width }) {
                    var grown = open.remove(at: i)
                    grown.height += t
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
}

extension UpdateEncoder {
    /// Largest subrectangle, in pixels and in width (TigerVNC's limits; 2048 is Tight's).
    static let subRectMaxArea = 65_536
    static let subRectMaxWidth = 2048

    /// JPEG codes blocks of 8 rows (16 with 4:2:0 chroma subsampling); a band of another
    /// height pays for a padded partial block row: 34-row bands of a 1920-wide screen were
    /// coded as 40 rows, about 12 % more time and bytes for full-screen noise at quality 6.
    static let bandHeightMultiple = 16

    /// Cuts `rect` into subrectangles of at most 2048 pixels wide and 65,536 pixels, row
    /// bands first, so zlib and JPEG work on bounded buffers and viewers draw progressively.
    /// Bands are a multiple of ``bandHeightMultiple`` rows high (32 for 1920–2048 wide).
    static func split(_ rect: Rect) -> [Rect] {
        if rect.area < subRectMaxArea && rect.width < subRectMaxWidth { return [rect] }
        let subWidth = min(rect.width, subRectMaxWidth)
        var subHeight = subRectMaxArea / subWidth
        if subHeight >= bandHeightMultiple { subHeight -= subHeight % bandHeightMultiple }
        var result: [Rect] = []
        var y = rect.y
        while y < rect.maxY {
            let height = min(subHeight, rect.maxY - y)
            var x = rect.x
            while x < rect.maxX {
                let width = min(subWidth, rect.maxX - x)
                result.append(Rect(x: x, y: y, width: width, height: height))
                x += width
            }
            y += height
        }
        return result
    }

    /// The parts of `rect` outside all `holes`, as non-overlapping rectangles: each hole cuts
    /// every rectangle it touches into the bands above and below it and the strips beside it.
    static func subtract(_ holes: [Rect], from rect: Rect) -> [Rect] {
        var pieces = [rect]
        for hole in holes {
            var next: [Rect] = []
            next.reserveCapacity(pieces.count + 4)
            for piece in pieces {
                guard let cut = piece.intersection(hole) else {
                    next.append(piece)
                    continue
                }
                if cut.y > piece.y {
                    next.append(
                        Rect(x: piece.x, y: piece.y, width: piece.width, height: cut.y - piece.y))
                }
                if cut.x > piece.x {
                    next.append(
                        Rect(x: piece.x, y: cut.y, width: cut.x - piece.x, height: cut.height))
                }
                if cut.maxX < piece.maxX {
                    next.append(
                        Rect(
                            x: cut.maxX, y: cut.y, width: piece.maxX - cut.maxX, height: cut.height)
                    )
                }
                if cut.maxY < piece.maxY {
                    next.append(
                        Rect(
                            x: piece.x, y: cut.maxY, width: piece.width,
                            height: piece.maxY - cut.maxY))
                }
            }
            pieces = next
        }
        return pieces
    }
}

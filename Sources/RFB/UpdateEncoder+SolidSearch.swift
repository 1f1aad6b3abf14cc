extension UpdateEncoder {
    /// A rectangle of one colour, sent as a Tight fill.
    struct SolidArea: Equatable {
        var rect: Rect
        var colour: UInt32
    }

    /// Finds large single-colour areas of a rectangle (TigerVNC's `findSolidRect`): a fill
    /// costs a few bytes whatever its size, and cutting flat backgrounds out first leaves
    /// the encoders only the parts with content.
    ///
    /// It looks for a solid 16×16 block, grows it block by block to the largest area, then
    /// pixel by pixel, and searches what is left to the left, right and below recursively.
    struct SolidSearch {
        let pixels: UnsafePointer<UInt32>
        /// Pixels from one framebuffer row to the next.
        let stride: Int

        /// Side of the blocks tested.
        static let block = 16
        /// Areas smaller than this are left to the encoders (unless they are the whole rect).
        static let minArea = 2048

        /// The solid areas found in `rect`, non-overlapping.
        func find(in rect: Rect) -> [SolidArea] {
            var found: [SolidArea] = []
            search(rect, into: &found)
            return found
        }

        private func search(_ rect: Rect, into found: inout [SolidArea]) {
            let block = Self.block
            var dy = rect.y
            while dy < rect.maxY {
                let dh = min(block, rect.maxY - dy)
                var dx = rect.x
                while dx < rect.maxX {
                    let dw = min(block, rect.maxX - dx)
                    let colour = pixels[dy * stride + dx]
                    guard isSolid(Rect(x: dx, y: dy, width: dw, height: dh), colour) else {
                        dx += dw
                        continue
                    }
                    let byBlock = extendByBlock(
                        Rect(x: dx, y: dy, width: rect.maxX - dx, height: rect.maxY - dy), colour)
                    let area: Rect
                    if byBlock == rect {
                        area = byBlock
                    } else {
                        guard byBlock.area >= Self.minArea else {
                            dx += dw
                            continue
                        }
                        area = extendByPixel(byBlock, within: rect, colour)
                    }
                    found.append(SolidArea(rect: area, colour: colour))

                    // Left: the first block row beside the area was already searched.
                    if area.x != rect.x && area.height > block {
                        search(
                            Rect(
                                x: rect.x, y: area.y + block, width: area.x - rect.x,
                                height: area.height - block), into: &found)
                    }
                    if area.maxX != rect.maxX {
                        search(
                            Rect(
                                x: area.maxX, y: area.y, width: rect.maxX - area.maxX,
                                height: area.height), into: &found)
                    }
                    if area.maxY != rect.maxY {
                        search(
                            Rect(
                                x: rect.x, y: area.maxY, width: rect.width,
                                height: rect.maxY - area.maxY), into: &found)
                    }
                    return
                }
                dy += dh
            }
        }

        /// True when every pixel of `rect` is `colour`.
        @inline(__always)
        private func isSolid(_ rect: Rect, _ colour: UInt32) -> Bool {
            for y in rect.y..<rect.maxY {
                let row = pixels + y * stride
                for x in rect.x..<rect.maxX where row[x] != colour {
                    return false
                }
            }
            return true
        }

        /// The largest solid area from `r`'s corner in whole blocks: widest first, then
        /// taller while narrowing to the blocks that stay solid.
        private func extendByBlock(_ r: Rect, _ colour: UInt32) -> Rect {
            let block = Self.block
            var widthSoFar = r.width
            var bestWidth = 0
            var bestHeight = 0
            var dy = r.y
            while dy < r.maxY {
                let dh = min(block, r.maxY - dy)
                let first = min(block, widthSoFar)
                guard isSolid(Rect(x: r.x, y: dy, width: first, height: dh), colour) else { break }
                var dx = r.x + first
                while dx < r.x + widthSoFar {
                    let dw = min(block, r.x + widthSoFar - dx)
                    guard isSolid(Rect(x: dx, y: dy, width: dw, height: dh), colour) else { break }
                    dx += dw
                }
                widthSoFar = dx - r.x
                let height = dy + dh - r.y
                if widthSoFar * height > bestWidth * bestHeight {
                    bestWidth = widthSoFar
                    bestHeight = height
                }
                dy += dh
            }
            return Rect(x: r.x, y: r.y, width: bestWidth, height: bestHeight)
        }

        /// Grows `area` a row or column at a time up, down, left and right inside `bounds`.
        private func extendByPixel(_ area: Rect, within bounds: Rect, _ colour: UInt32) -> Rect {
            var top = area.y
            while top > bounds.y
                && isSolid(Rect(x: area.x, y: top - 1, width: area.width, height: 1), colour)
            {
                top -= 1
            }
            var bottom = area.maxY
            while bottom < bounds.maxY
                && isSolid(Rect(x: area.x, y: bottom, width: area.width, height: 1), colour)
            {
                bottom += 1
            }
            var left = area.x
            while left > bounds.x
                && isSolid(Rect(x: left - 1, y: top, width: 1, height: bottom - top), colour)
            {
                left -= 1
            }
            var right = area.maxX
            while right < bounds.maxX
                && isSolid(Rect(x: right, y: top, width: 1, height: bottom - top), colour)
            {
                right += 1
            }
            return Rect(x: left, y: top, width: right - left, height: bottom - top)
        }
    }
}

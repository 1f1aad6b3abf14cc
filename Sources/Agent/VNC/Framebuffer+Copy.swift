import RFB

extension Framebuffer {
    /// Copies the pixels of `rects` from `source`, a framebuffer of the same size, row by row.
    mutating func copy(_ rects: [Rect], from source: Framebuffer) {
        precondition(source.width == width && source.height == height)
        let width = self.width
        let bounds = self.bounds
        source.pixels.withUnsafeBufferPointer { from in
            pixels.withUnsafeMutableBufferPointer { to in
                for rect in rects {
                    guard let r = rect.intersection(bounds) else { continue }
                    for y in r.y..<r.maxY {
                        let offset = y * width + r.x
                        (to.baseAddress! + offset).update(
                            from: from.baseAddress! + offset, count: r.width)
                    }
                }
            }
        }
    }
}

/// A rectangle of the screen in pixels; the unit of change and of encoding.
public struct Rect: Hashable, Sendable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var area: Int { width * height }
    public var isEmpty: Bool { width <= 0 || height <= 0 }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }

    /// The overlap of two rectangles, or nil when they do not touch.
    public func intersection(_ other: Rect) -> Rect? {
        let x0 = max(x, other.x)
        let y0 = max(y, other.y)
        let x1 = min(maxX, other.maxX)
        let y1 = min(maxY, other.maxY)
        guard x1 > x0, y1 > y0 else { return nil }
        return Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    public var description: String { "\(width)x\(height)+\(x)+\(y)" }
}

/// A screen image: `width × height` pixels, row-major, each `0x00RRGGBB`.
///
/// This is the X server's own layout at depth 24 (bytes B, G, R, X in memory), so a capture
/// is one copy; encoders translate to the viewer's pixel format.
public struct Framebuffer: Sendable, Equatable {
    public private(set) var width: Int
    public private(set) var height: Int
    /// `width * height` pixels, `0x00RRGGBB`; the top byte is ignored.
    public var pixels: [UInt32]

    /// A black framebuffer of the given size.
    public init(width: Int, height: Int) {
        precondition(width >= 0 && height >= 0)
        self.width = width
        self.height = height
        self.pixels = [UInt32](repeating: 0, count: width * height)
    }

    /// A framebuffer over existing pixels; `pixels.count` must be `width * height`.
    public init(width: Int, height: Int, pixels: [UInt32]) {
        precondition(pixels.count == width * height)
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The whole screen as a rectangle.
    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    /// The pixel at (x, y) as `0x00RRGGBB`.
    @inlinable
    public subscript(x: Int, y: Int) -> UInt32 {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }

    /// Changes the size; the content becomes black.
    public mutating func resize(width: Int, height: Int) {
        self.width = width
        self.height = height
        pixels = [UInt32](repeating: 0, count: width * height)
    }
}

/// The pointer's image, for the Cursor pseudo-encoding: `0xAARRGGBB` per pixel.
public struct CursorImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var hotspotX: Int
    public var hotspotY: Int
    /// `width * height` pixels, `0xAARRGGBB` (straight alpha).
    public var pixels: [UInt32]

    public init(width: Int, height: Int, hotspotX: Int, hotspotY: Int, pixels: [UInt32]) {
        self.width = width
        self.height = height
        self.hotspotX = hotspotX
        self.hotspotY = hotspotY
        self.pixels = pixels
    }
}

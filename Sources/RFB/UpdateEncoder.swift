/// The rectangles of one FramebufferUpdate, ready for the session to send after its
/// 4-byte message header (type, padding, `rectangleCount` as big-endian `UInt16`).
public struct EncodedUpdate: Sendable, Equatable {
    /// How many rectangle records `bytes` holds.
    public var rectangleCount: Int
    /// The rectangle records back to back: each a 12-byte header (x, y, width, height as
    /// big-endian `UInt16`, encoding as big-endian `Int32`) and its payload.
    public var bytes: [UInt8]

    /// An update of `rectangleCount` records already in `bytes` (empty by default).
    public init(rectangleCount: Int = 0, bytes: [UInt8] = []) {
        self.rectangleCount = rectangleCount
        self.bytes = bytes
    }

    /// Appends the 12-byte header of a rectangle record and counts it; the caller appends
    /// the payload (for pseudo-encodings such as Cursor or DesktopSize, too).
    public mutating func appendHeader(_ rect: Rect, encoding: Int32) {
        for value in [rect.x, rect.y, rect.width, rect.height] {
            bytes.append(UInt8(truncatingIfNeeded: value >> 8))
            bytes.append(UInt8(truncatingIfNeeded: value))
        }
        let e = UInt32(bitPattern: encoding)
        bytes.append(contentsOf: [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: e >> $0) })
        rectangleCount += 1
    }
}

/// Chooses and runs the encoding of each changed rectangle for one viewer (TigerVNC's
/// `EncodeManager`): Tight when the viewer listed it, else Raw.
///
/// With Tight it first finds large solid-colour areas and sends them as fills, splits the
/// rest into subrectangles of at most 2048 pixels wide and 65,536 pixels, and counts each
/// one's colours: one is a fill, two a bitmap, a few an indexed palette, many go to JPEG
/// when the viewer set a quality level and to zlib otherwise. Keep one per viewer for the
/// life of its connection: Tight's zlib streams persist across updates.
public struct UpdateEncoder {
    private var tight = TightEncoder()
    private var raw = RawEncoder()
    /// Size of the previous update, to reserve its room at once rather than by doublings.
    private var lastSize = 0

    /// An encoder for a new viewer connection.
    public init() {}

    /// Encodes the `rects` of `framebuffer` (clipped to it) in `format` for a viewer with
    /// `settings`. `format` must be true colour (the session refuses colour maps).
    public mutating func encode(
        _ rects: [Rect], of framebuffer: Framebuffer, as format: PixelFormat,
        settings: EncodingSettings
    ) -> EncodedUpdate {
        var update = EncodedUpdate()
        update.bytes.reserveCapacity(lastSize)
        defer { lastSize = update.bytes.count }
        let clipped = rects.compactMap { $0.intersection(framebuffer.bounds) }
        guard settings.supports(tight.encoding) else {
            for rect in clipped {
                update.appendHeader(rect, encoding: raw.encoding)
                raw.encode(rect, of: framebuffer, as: format, into: &update.bytes)
            }
            return update
        }
        tight.compressionLevel = settings.compressionLevel ?? 2
        tight.qualityLevel = settings.qualityLevel
        for rect in clipped {
            encodeTight(rect, of: framebuffer, as: format, into: &update)
        }
        return update
    }

    /// Solid areas first, then the remainder split and classified.
    private mutating func encodeTight(
        _ rect: Rect, of framebuffer: Framebuffer, as format: PixelFormat,
        into update: inout EncodedUpdate
    ) {
        let solids = framebuffer.pixels.withUnsafeBufferPointer { pixels in
            SolidSearch(pixels: pixels.baseAddress!, stride: framebuffer.width).find(in: rect)
        }
        for solid in solids {
            update.appendHeader(solid.rect, encoding: tight.encoding)
            tight.writeFill(solid.colour, format: format, into: &update.bytes)
        }
        let jpeg = tight.canUseJPEG(for: format)
        for remainder in Self.subtract(solids.map(\.rect), from: rect) {
            for sub in Self.split(remainder) {
                let limit = TightPalette.maxColours(
                    area: sub.area, compressionLevel: tight.compressionLevel, jpeg: jpeg)
                let palette = framebuffer.pixels.withUnsafeBufferPointer { pixels in
                    TightPalette.analyse(
                        pixels.baseAddress! + sub.y * framebuffer.width + sub.x,
                        stride: framebuffer.width, width: sub.width, height: sub.height,
                        maxColours: limit)
                }
                update.appendHeader(sub, encoding: tight.encoding)
                tight.encode(
                    sub, of: framebuffer, as: format, palette: palette, into: &update.bytes)
            }
        }
    }
}

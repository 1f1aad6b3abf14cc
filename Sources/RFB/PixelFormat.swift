/// An RFB pixel format (RFC 6143 §7.4): how the viewer wants pixels laid out on the wire.
public struct PixelFormat: Hashable, Sendable {
    public var bitsPerPixel: UInt8
    public var depth: UInt8
    public var bigEndian: Bool
    public var trueColour: Bool
    public var redMax: UInt16
    public var greenMax: UInt16
    public var blueMax: UInt16
    public var redShift: UInt8
    public var greenShift: UInt8
    public var blueShift: UInt8

    public init(
        bitsPerPixel: UInt8, depth: UInt8, bigEndian: Bool, trueColour: Bool,
        redMax: UInt16, greenMax: UInt16, blueMax: UInt16,
        redShift: UInt8, greenShift: UInt8, blueShift: UInt8
    ) {
        self.bitsPerPixel = bitsPerPixel
        self.depth = depth
        self.bigEndian = bigEndian
        self.trueColour = trueColour
        self.redMax = redMax
        self.greenMax = greenMax
        self.blueMax = blueMax
        self.redShift = redShift
        self.greenShift = greenShift
        self.blueShift = blueShift
    }

    /// 32 bits per pixel, depth 24, little-endian `0x00RRGGBB`: what the server offers and
    /// what noVNC asks for; the framebuffer's own layout.
    public static let rgb888 = PixelFormat(
        bitsPerPixel: 32, depth: 24, bigEndian: false, trueColour: true,
        redMax: 255, greenMax: 255, blueMax: 255, redShift: 16, greenShift: 8, blueShift: 0)

    /// Bytes one pixel takes on the wire.
    public var bytesPerPixel: Int { Int(bitsPerPixel) / 8 }

    /// True when 24-bit colour fits in 3 bytes on the wire (Tight's TPIXEL / ZRLE's CPIXEL).
    public var isCompactable: Bool {
        trueColour && bitsPerPixel == 32 && depth <= 24 && redMax == 255 && greenMax == 255
            && blueMax == 255
    }
}

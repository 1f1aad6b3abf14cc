/// The CopyRect encoding (1): the viewer copies the rectangle from `(sourceX, sourceY)` of
/// its own framebuffer, so a scroll or a moved window costs 4 bytes.
public struct CopyRectEncoder: RFBEncoder {
    /// CopyRect's encoding number.
    public var encoding: Int32 { 1 }
    /// Top-left corner of the rectangle's pixels before they moved.
    public var sourceX: Int
    /// See `sourceX`.
    public var sourceY: Int

    /// An encoder for a rectangle whose pixels came from `(sourceX, sourceY)`.
    public init(sourceX: Int, sourceY: Int) {
        self.sourceX = sourceX
        self.sourceY = sourceY
    }

    /// Appends the source position as two big-endian `UInt16`; the pixels are not read.
    public mutating func encode(
        _ rect: Rect, of framebuffer: Framebuffer, as format: PixelFormat,
        into out: inout [UInt8]
    ) {
        out.append(UInt8(truncatingIfNeeded: sourceX >> 8))
        out.append(UInt8(truncatingIfNeeded: sourceX))
        out.append(UInt8(truncatingIfNeeded: sourceY >> 8))
        out.append(UInt8(truncatingIfNeeded: sourceY))
    }
}

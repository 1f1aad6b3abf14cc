/// One RFB encoding for rectangles of the framebuffer (TigerVNC's `Encoder`): Raw, CopyRect,
/// Tight. It writes the rectangle's payload only, after the 12-byte rectangle header that
/// the update writer puts in front. Encoders with state (Tight's zlib streams) are per viewer.
public protocol RFBEncoder {
    /// The RFB encoding number written in the rectangle header.
    var encoding: Int32 { get }

    /// Appends the encoded pixels of `rect` (inside `framebuffer`) in `format` to `out`.
    mutating func encode(
        _ rect: Rect, of framebuffer: Framebuffer, as format: PixelFormat, into out: inout [UInt8])
}

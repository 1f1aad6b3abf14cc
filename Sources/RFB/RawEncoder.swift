/// The Raw encoding (0): every pixel in the viewer's format, row by row. The fallback every
/// viewer accepts; any true-colour format of 8, 16 or 32 bits, either byte order.
public struct RawEncoder: RFBEncoder {
    /// Raw's encoding number.
    public var encoding: Int32 { 0 }

    /// A Raw encoder; it keeps no state.
    public init() {}

    /// Appends `rect`'s pixels in `format`, `rect.area × bytesPerPixel` bytes.
    public mutating func encode(
        _ rect: Rect, of framebuffer: Framebuffer, as format: PixelFormat,
        into out: inout [UInt8]
    ) {
        let translator = PixelFormat.Translator(format)
        let start = out.count
        let byteCount = rect.area * format.bytesPerPixel
        out.append(contentsOf: repeatElement(0, count: byteCount))
        framebuffer.pixels.withUnsafeBufferPointer { pixels in
            out.withUnsafeMutableBytes { bytes in
                _ = translator.write(
                    pixels.baseAddress! + rect.y * framebuffer.width + rect.x,
                    stride: framebuffer.width, width: rect.width, height: rect.height,
                    to: bytes.baseAddress! + start)
            }
        }
    }
}

import Foundation

/// A screenshot in the X Window Dump format `xwd -root` writes: the X server's own view of
/// the screen, to compare captures against.
struct XWDImage {
    let width: Int
    let height: Int
    /// `0x00RRGGBB`, row-major.
    let pixels: [UInt32]

    enum ParseError: Error {
        case truncated
        case unsupported(String)
    }

    init(data: Data) throws {
        let bytes = [UInt8](data)
        guard bytes.count >= 100 else { throw ParseError.truncated }
        // The header is 25 big-endian 32-bit fields whatever the machine.
        func field(_ index: Int) -> Int {
            let offset = index * 4
            return Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16
                | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
        }
        let headerSize = field(0)
        let format = field(2)
        width = field(4)
        height = field(5)
        let byteOrder = field(7)
        let bitsPerPixel = field(11)
        let bytesPerLine = field(12)
        let colours = field(19)
        guard format == 2, bitsPerPixel == 32, byteOrder == 0 else {
            throw ParseError.unsupported("format \(format) bpp \(bitsPerPixel) order \(byteOrder)")
        }
        let start = headerSize + colours * 12
        guard bytes.count >= start + bytesPerLine * height else { throw ParseError.truncated }
        var pixels = [UInt32](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let offset = start + y * bytesPerLine + x * 4
                pixels[y * width + x] =
                    UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
                    | UInt32(bytes[offset + 2]) << 16
            }
        }
        self.pixels = pixels
    }
}

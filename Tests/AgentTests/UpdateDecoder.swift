import RFB

/// Decodes FramebufferUpdates with Raw rectangles (rgb888) for assertions.
struct UpdateDecoder {
    struct DecodeError: Error {}

    var frame: Framebuffer
    var rects: [Rect] = []
    var pseudo: [Int32] = []

    static func decode(_ bytes: [UInt8], width: Int, height: Int, base: Framebuffer? = nil)
        throws -> UpdateDecoder
    {
        var decoder = UpdateDecoder(frame: base ?? Framebuffer(width: width, height: height))
        var i = 0
        func u16() throws -> Int {
            guard i + 2 <= bytes.count else { throw DecodeError() }
            defer { i += 2 }
            return Int(bytes[i]) << 8 | Int(bytes[i + 1])
        }
        func u32() throws -> UInt32 {
            let hi = try u16()
            let lo = try u16()
            return UInt32(hi << 16 | lo)
        }
        guard bytes.first == 0 else { throw DecodeError() }
        i = 2
        let count = try u16()
        for _ in 0..<count {
            let rect = Rect(x: try u16(), y: try u16(), width: try u16(), height: try u16())
            let encoding = Int32(bitPattern: try u32())
            switch encoding {
            case 0:
                for y in rect.y..<rect.maxY {
                    for x in rect.x..<rect.maxX {
                        guard i + 4 <= bytes.count else { throw DecodeError() }
                        decoder.frame[x, y] =
                            UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
                            << 16
                        i += 4
                    }
                }
                decoder.rects.append(rect)
            case -308:
                let screens = Int(bytes[i])
                i += 4 + 16 * screens
                decoder.pseudo.append(encoding)
            default:
                decoder.pseudo.append(encoding)
            }
        }
        guard i == bytes.count else { throw DecodeError() }
        return decoder
    }
}

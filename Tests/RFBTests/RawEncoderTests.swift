import Testing

@testable import RFB

/// Raw pixels in every layout a viewer may ask for, and CopyRect's payload.
struct RawEncoderTests {
    static let rgb565LE = PixelFormat(
        bitsPerPixel: 16, depth: 16, bigEndian: false, trueColour: true, redMax: 31,
        greenMax: 63, blueMax: 31, redShift: 11, greenShift: 5, blueShift: 0)
    static let bgr888BE = PixelFormat(
        bitsPerPixel: 32, depth: 24, bigEndian: true, trueColour: true, redMax: 255,
        greenMax: 255, blueMax: 255, redShift: 0, greenShift: 8, blueShift: 16)
    static let bgr233 = PixelFormat(
        bitsPerPixel: 8, depth: 8, bigEndian: false, trueColour: true, redMax: 7,
        greenMax: 7, blueMax: 3, redShift: 0, greenShift: 3, blueShift: 6)

    static func encode(_ fb: Framebuffer, _ rect: Rect, _ format: PixelFormat) -> [UInt8] {
        var encoder = RawEncoder()
        var out: [UInt8] = []
        encoder.encode(rect, of: fb, as: format, into: &out)
        return out
    }

    @Test func nativeFormatIsTheFramebufferBytes() {
        let fb = Framebuffer(width: 2, height: 1, pixels: [0x11_2233, 0xAA_BBCC])
        #expect(Self.encode(fb, fb.bounds, .rgb888) == [0x33, 0x22, 0x11, 0, 0xCC, 0xBB, 0xAA, 0])
    }

    @Test func sixteenBitsLittleAndBigEndian() {
        let fb = Framebuffer(width: 3, height: 1, pixels: [0xFF_0000, 0x00_FF00, 0x00_00FF])
        #expect(Self.encode(fb, fb.bounds, Self.rgb565LE) == [0x00, 0xF8, 0xE0, 0x07, 0x1F, 0x00])
        var big = Self.rgb565LE
        big.bigEndian = true
        #expect(Self.encode(fb, fb.bounds, big) == [0xF8, 0x00, 0x07, 0xE0, 0x00, 0x1F])
    }

    @Test func thirtyTwoBitsBigEndianWithOtherShifts() {
        let fb = Framebuffer(width: 1, height: 1, pixels: [0x11_2233])
        // Value 0x00332211 (blue high), sent most significant byte first.
        #expect(Self.encode(fb, fb.bounds, Self.bgr888BE) == [0x00, 0x33, 0x22, 0x11])
    }

    @Test func eightBits() {
        let fb = Framebuffer(width: 2, height: 1, pixels: [0xFF_FFFF, 0xFF_0000])
        #expect(Self.encode(fb, fb.bounds, Self.bgr233) == [0xFF, 0x07])
    }

    @Test(arguments: [
        RawEncoderTests.rgb565LE, .rgb888, RawEncoderTests.bgr888BE, RawEncoderTests.bgr233,
    ])
    func subRectanglesRoundTrip(format: PixelFormat) throws {
        let fb = TightTestImages.photo(width: 50, height: 40)
        let rect = Rect(x: 7, y: 3, width: 31, height: 29)
        var update = EncodedUpdate()
        update.appendHeader(rect, encoding: 0)
        update.bytes += Self.encode(fb, rect, format)
        #expect(update.bytes.count == 12 + rect.area * format.bytesPerPixel)
        let decoder = TightTestDecoder(width: 50, height: 40, format: format)
        try decoder.decode(update)
        let expected = TightTestImages.roundTripped(fb, through: format)
        for y in rect.y..<rect.maxY {
            for x in rect.x..<rect.maxX where decoder.framebuffer[x, y] != expected[x, y] {
                Issue.record("pixel \(x),\(y) differs")
                return
            }
        }
    }

    @Test func copyRectPayloadIsTheSourcePosition() throws {
        var encoder = CopyRectEncoder(sourceX: 0x0102, sourceY: 3)
        #expect(encoder.encoding == 1)
        var update = EncodedUpdate()
        let fb = TightTestImages.photo(width: 600, height: 20)
        update.appendHeader(Rect(x: 10, y: 0, width: 5, height: 5), encoding: 1)
        encoder.encode(
            Rect(x: 10, y: 0, width: 5, height: 5), of: fb, as: .rgb888, into: &update.bytes)
        #expect(Array(update.bytes[12...]) == [0x01, 0x02, 0x00, 0x03])
        #expect(Array(update.bytes[0..<12]) == [0, 10, 0, 0, 0, 5, 0, 5, 0, 0, 0, 1])

        let decoder = TightTestDecoder(width: 600, height: 20)
        decoder.framebuffer = fb
        try decoder.decode(update)
        #expect(decoder.framebuffer[10, 0] == fb[0x102, 3])
        #expect(decoder.framebuffer[14, 4] == fb[0x102 + 4, 7])
    }
}

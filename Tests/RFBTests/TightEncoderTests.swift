import Testing

@testable import RFB

/// Each Tight form, decoded by the test decoder and compared with the source pixels.
struct TightEncoderTests {
    /// Encodes `rects` one by one with `encoder` as one update.
    static func update(
        _ rects: [Rect], of framebuffer: Framebuffer, with encoder: inout TightEncoder,
        format: PixelFormat = .rgb888
    ) -> EncodedUpdate {
        var update = EncodedUpdate()
        for rect in rects {
            update.appendHeader(rect, encoding: 7)
            encoder.encode(rect, of: framebuffer, as: format, into: &update.bytes)
        }
        return update
    }

    /// Encodes `rect` alone with a fresh encoder and decodes it; returns the decoder and kind.
    static func roundTrip(
        _ rect: Rect, of framebuffer: Framebuffer, format: PixelFormat = .rgb888,
        compressionLevel: Int = 2, qualityLevel: Int? = nil
    ) throws -> (TightTestDecoder, TightTestDecoder.Kind) {
        var encoder = TightEncoder(compressionLevel: compressionLevel, qualityLevel: qualityLevel)
        let update = update([rect], of: framebuffer, with: &encoder, format: format)
        let decoder = TightTestDecoder(
            width: framebuffer.width, height: framebuffer.height, format: format)
        let records = try decoder.decode(update)
        return (decoder, records[0].kind)
    }

    @Test func solidRectangleIsOneFill() throws {
        let fb = TightTestImages.solid(width: 64, height: 40, colour: 0x12_3456)
        var encoder = TightEncoder()
        let update = Self.update([fb.bounds], of: fb, with: &encoder)
        // Header, control byte, three-byte TPIXEL.
        #expect(update.bytes.count == 12 + 1 + 3)
        #expect(Array(update.bytes[12...]) == [0x80, 0x12, 0x34, 0x56])
        let (decoder, kind) = try Self.roundTrip(fb.bounds, of: fb)
        #expect(kind == .fill)
        #expect(decoder.framebuffer == fb)
    }

    @Test func twoColoursAreABitmap() throws {
        // Odd width so rows end in a partial byte.
        let fb = TightTestImages.noise(width: 37, height: 21, colours: [0xFF_FFFF, 0x00_0080])
        let (decoder, kind) = try Self.roundTrip(fb.bounds, of: fb)
        #expect(kind == .mono)
        #expect(decoder.framebuffer == fb)
    }

    @Test func tinyBitmapIsSentUncompressed() throws {
        // 8×4 pixels of 2 colours: 4 bytes of bitmap, below Tight's 12-byte threshold.
        let fb = TightTestImages.noise(width: 8, height: 4, colours: [1, 2], seed: 9)
        var encoder = TightEncoder()
        let update = Self.update([fb.bounds], of: fb, with: &encoder)
        // Header + control + filter + count + 2 TPIXELs + 4 raw bytes, no length.
        #expect(update.bytes.count == 12 + 1 + 1 + 1 + 6 + 4)
        #expect(update.bytes[12] == 0x50, "no reset bit when no stream is used")
        let decoder = TightTestDecoder(width: 8, height: 4)
        try decoder.decode(update)
        #expect(decoder.framebuffer == fb)
    }

    @Test(arguments: [3, 17, 96, 200, 256])
    func fewColoursAreIndexed(colourCount: Int) throws {
        let colours = (0..<colourCount).map { UInt32($0 * 0x01_0305 & 0xFF_FFFF) }
        let fb = TightTestImages.noise(width: 120, height: 90, colours: colours, seed: 5)
        let (decoder, kind) = try Self.roundTrip(fb.bounds, of: fb, compressionLevel: 1)
        #expect(kind == .indexed(colours: colourCount))
        #expect(decoder.framebuffer == fb)
    }

    @Test func manyColoursWithoutQualityAreZlibFullColour() throws {
        let fb = TightTestImages.noise(width: 100, height: 50)
        let (decoder, kind) = try Self.roundTrip(fb.bounds, of: fb)
        #expect(kind == .fullColour)
        #expect(decoder.framebuffer == fb)
    }

    @Test func fullColourIn16BitsUsesWholePixels() throws {
        let rgb565 = PixelFormat(
            bitsPerPixel: 16, depth: 16, bigEndian: true, trueColour: true, redMax: 31,
            greenMax: 63, blueMax: 31, redShift: 11, greenShift: 5, blueShift: 0)
        let fb = TightTestImages.photo(width: 64, height: 64)
        let (decoder, kind) = try Self.roundTrip(fb.bounds, of: fb, format: rgb565)
        #expect(kind == .fullColour)
        #expect(decoder.framebuffer == TightTestImages.roundTripped(fb, through: rgb565))
    }

    @Test func indexedIn16BitsRoundTrips() throws {
        let rgb565 = PixelFormat(
            bitsPerPixel: 16, depth: 16, bigEndian: false, trueColour: true, redMax: 31,
            greenMax: 63, blueMax: 31, redShift: 11, greenShift: 5, blueShift: 0)
        let colours: [UInt32] = [0xFF_0000, 0x00_FF00, 0x00_00FF, 0x80_8080, 0xFF_FFFF]
        let fb = TightTestImages.noise(width: 40, height: 30, colours: colours)
        let (decoder, kind) = try Self.roundTrip(fb.bounds, of: fb, format: rgb565)
        #expect(kind == .indexed(colours: 5))
        #expect(decoder.framebuffer == TightTestImages.roundTripped(fb, through: rgb565))
    }

    @Test(arguments: [0, 2, 6, 9])
    func photoWithQualityIsJPEG(qualityLevel: Int) throws {
        let fb = TightTestImages.photo(width: 256, height: 96)
        let (decoder, kind) = try Self.roundTrip(fb.bounds, of: fb, qualityLevel: qualityLevel)
        #expect(kind == .jpeg)
        let error = TightTestImages.meanError(decoder.framebuffer, fb, in: fb.bounds)
        // The image's per-pixel jitter (0–15) is what JPEG drops first: quality 15 loses
        // most of it, quality 100 is nearly lossless.
        let tolerance: [Int: Double] = [0: 12, 2: 10, 6: 6, 9: 2]
        #expect(error < tolerance[qualityLevel]!, "mean error \(error)")
    }

    @Test func jpegReadsRectanglesInsideTheFramebuffer() throws {
        let fb = TightTestImages.photo(width: 300, height: 200)
        let rect = Rect(x: 37, y: 21, width: 150, height: 90)
        let (decoder, kind) = try Self.roundTrip(rect, of: fb, qualityLevel: 8)
        #expect(kind == .jpeg)
        #expect(TightTestImages.meanError(decoder.framebuffer, fb, in: rect) < 3)
    }

    @Test func streamsPersistAcrossRectangles() throws {
        // The same noise twice: the second copy is found in the zlib dictionary.
        let tile = TightTestImages.noise(width: 64, height: 32, seed: 7)
        var pixels = tile.pixels
        pixels += tile.pixels
        let fb = Framebuffer(width: 64, height: 64, pixels: pixels)
        var encoder = TightEncoder()
        let first = Self.update([Rect(x: 0, y: 0, width: 64, height: 32)], of: fb, with: &encoder)
        let second = Self.update([Rect(x: 0, y: 32, width: 64, height: 32)], of: fb, with: &encoder)
        #expect(second.bytes.count < first.bytes.count / 4, "the dictionary carried over")
        #expect(first.bytes[12] == 0x01, "first use of stream 0 resets it")
        #expect(second.bytes[12] == 0x00, "later uses keep it")

        let decoder = TightTestDecoder(width: 64, height: 64)
        try decoder.decode(first)
        try decoder.decode(second)
        #expect(decoder.framebuffer == fb)
        #expect(decoder.resets == [1, 0, 0, 0])
    }

    @Test func allStreamsPersistWhenInterleaved() throws {
        let fb = TightTestImages.desktop(width: 400, height: 300)
        var encoder = TightEncoder(compressionLevel: 6)
        let rects = (0..<10).flatMap { row in
            (0..<4).map { Rect(x: $0 * 100, y: row * 30, width: 100, height: 30) }
        }
        let decoder = TightTestDecoder(width: 400, height: 300)
        var kinds: Set<String> = []
        for rect in rects {
            let update = Self.update([rect], of: fb, with: &encoder)
            for record in try decoder.decode(update) { kinds.insert("\(record.kind)") }
        }
        #expect(decoder.framebuffer == fb)
        #expect(kinds.count >= 3, "several forms were exercised: \(kinds)")
    }

    @Test func levelChangesMidStreamStayDecodable() throws {
        let fb = TightTestImages.photo(width: 128, height: 128)
        var encoder = TightEncoder(compressionLevel: 1)
        let decoder = TightTestDecoder(width: 128, height: 128)
        for (i, level) in [1, 9, 0, 5].enumerated() {
            encoder.compressionLevel = level
            let rect = Rect(x: 0, y: i * 32, width: 128, height: 32)
            try decoder.decode(Self.update([rect], of: fb, with: &encoder))
        }
        #expect(decoder.framebuffer == fb)
    }

    @Test func compactLengthUsesOneToThreeBytes() throws {
        for (length, expected) in [
            (0, [0x00]), (127, [0x7F]), (128, [0x80, 0x01]), (16383, [0xFF, 0x7F]),
            (16384, [0x80, 0x80, 0x01]), (4_194_303, [0xFF, 0xFF, 0xFF]),
        ] as [(Int, [UInt8])] {
            var out: [UInt8] = []
            TightEncoder.appendCompactLength(length, to: &out)
            #expect(out == expected)
            var reader = TightTestDecoder.Reader(bytes: out)
            #expect(try reader.compactLength() == length)
        }
    }
}

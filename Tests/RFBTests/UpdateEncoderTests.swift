import Testing

@testable import RFB

/// The per-rectangle policy: encoding choice, solid areas, splitting, classification.
struct UpdateEncoderTests {
    static let tight = EncodingSettings(encodings: [7, 1, 0])
    static let tightJPEG = EncodingSettings(
        encodings: [7, 1, 0, -26, -254], qualityLevel: 6, compressionLevel: 2)

    /// Encodes `rects` with a fresh `UpdateEncoder`, decodes, and returns what was sent.
    static func roundTrip(
        _ rects: [Rect], of framebuffer: Framebuffer, settings: EncodingSettings,
        format: PixelFormat = .rgb888
    ) throws -> (TightTestDecoder, [TightTestDecoder.Record], EncodedUpdate) {
        var encoder = UpdateEncoder()
        let update = encoder.encode(rects, of: framebuffer, as: format, settings: settings)
        let decoder = TightTestDecoder(
            width: framebuffer.width, height: framebuffer.height, format: format)
        let records = try decoder.decode(update)
        return (decoder, records, update)
    }

    /// True when no two records overlap and together they cover exactly `rects`' area.
    static func tiles(_ records: [TightTestDecoder.Record], exactly area: Int) -> Bool {
        let rects = records.map(\.rect)
        for i in rects.indices {
            for j in rects.indices where j > i && rects[i].intersection(rects[j]) != nil {
                return false
            }
        }
        return rects.reduce(0) { $0 + $1.area } == area
    }

    @Test func rawWhenTightIsNotListed() throws {
        let fb = TightTestImages.desktop(width: 200, height: 100)
        let settings = EncodingSettings(encodings: [1, 0])
        let (decoder, records, update) = try Self.roundTrip([fb.bounds], of: fb, settings: settings)
        #expect(records.map(\.encoding) == [0])
        #expect(update.bytes.count == 12 + 200 * 100 * 4)
        #expect(decoder.framebuffer == fb)
    }

    @Test func rectanglesAreClippedToTheFramebuffer() throws {
        let fb = TightTestImages.photo(width: 100, height: 80)
        let rects = [
            Rect(x: 90, y: 70, width: 50, height: 50), Rect(x: 200, y: 0, width: 5, height: 5),
        ]
        let (_, records, _) = try Self.roundTrip(rects, of: fb, settings: Self.tight)
        #expect(records.map(\.rect) == [Rect(x: 90, y: 70, width: 10, height: 10)])
    }

    @Test func wideRectanglesAreSplitAt2048() throws {
        let fb = TightTestImages.noise(width: 3000, height: 40)
        let (decoder, records, _) = try Self.roundTrip([fb.bounds], of: fb, settings: Self.tight)
        #expect(records.allSatisfy { $0.rect.width <= 2048 && $0.rect.area <= 65_536 })
        #expect(records.contains { $0.rect.width == 2048 })
        #expect(Self.tiles(records, exactly: fb.bounds.area))
        #expect(decoder.framebuffer == fb)
    }

    @Test func splitFollowsTigerVNCLimits() {
        #expect(UpdateEncoder.split(Rect(x: 0, y: 0, width: 100, height: 100)).count == 1)
        let full = UpdateEncoder.split(Rect(x: 0, y: 0, width: 1920, height: 1080))
        // 65536 / 1920 = 34 rows, cut to 32 (whole JPEG block rows): 33 bands and one of 24.
        #expect(full.count == 34)
        #expect(full.map(\.height) == [Int](repeating: 32, count: 33) + [24])
        #expect(full.allSatisfy { $0.width == 1920 && $0.area <= 65_536 })
        // 65536 / 1000 = 65 rows, cut to 64.
        let odd = UpdateEncoder.split(Rect(x: 3, y: 1, width: 1000, height: 200))
        #expect(odd.map(\.height) == [64, 64, 64, 8])
        let wide = UpdateEncoder.split(Rect(x: 5, y: 7, width: 4100, height: 10))
        // Under 65,536 pixels but wider than 2048: cut across only (bands of 32 rows).
        #expect(wide.map(\.width) == [2048, 2048, 4])
        let tall = UpdateEncoder.split(Rect(x: 0, y: 0, width: 3000, height: 100))
        #expect(tall.map(\.height) == [32, 32, 32, 32, 32, 32, 4, 4])
    }

    @Test func subtractLeavesTheRestExactly() {
        let rect = Rect(x: 0, y: 0, width: 100, height: 100)
        let holes = [
            Rect(x: 10, y: 10, width: 20, height: 20), Rect(x: 50, y: 0, width: 50, height: 100),
        ]
        let pieces = UpdateEncoder.subtract(holes, from: rect)
        #expect(pieces.reduce(0) { $0 + $1.area } == 100 * 100 - 400 - 5000)
        for piece in pieces {
            #expect(holes.allSatisfy { $0.intersection(piece) == nil })
        }
    }

    @Test func largeSolidAreasBecomeFills() throws {
        var fb = TightTestImages.solid(width: 640, height: 480, colour: 0x33_6699)
        // A patch of two-colour "text" in the middle.
        let text = TightTestImages.noise(width: 100, height: 20, colours: [0, 0xFF_FFFF])
        for y in 0..<20 {
            for x in 0..<100 { fb[200 + x, 300 + y] = text[x, y] }
        }
        let (decoder, records, update) = try Self.roundTrip(
            [fb.bounds], of: fb, settings: Self.tight)
        #expect(decoder.framebuffer == fb)
        #expect(Self.tiles(records, exactly: fb.bounds.area))
        let fillArea = records.filter { $0.kind == .fill }.reduce(0) { $0 + $1.rect.area }
        #expect(fillArea >= fb.bounds.area - 100 * 20 - 4 * 640, "nearly all of it is fills")
        #expect(records.contains { $0.kind == .mono })
        #expect(update.bytes.count < 1500)
    }

    @Test func wholeSolidFrameIsOneFillPerArea() throws {
        let fb = TightTestImages.solid(width: 1920, height: 1080, colour: 0x10_2030)
        let (decoder, records, _) = try Self.roundTrip([fb.bounds], of: fb, settings: Self.tight)
        #expect(records.count == 1)
        #expect(records[0].kind == .fill)
        #expect(decoder.framebuffer == fb)
    }

    @Test func desktopRoundTripsLosslesslyWithoutQuality() throws {
        let fb = TightTestImages.desktop(width: 800, height: 600)
        let (decoder, records, _) = try Self.roundTrip([fb.bounds], of: fb, settings: Self.tight)
        #expect(decoder.framebuffer == fb)
        #expect(Self.tiles(records, exactly: fb.bounds.area))
        #expect(!records.contains { $0.kind == .jpeg })
    }

    @Test func photoGoesToJPEGWhenQualityIsSet() throws {
        let fb = TightTestImages.photo(width: 640, height: 360)
        let (decoder, records, update) = try Self.roundTrip(
            [fb.bounds], of: fb, settings: Self.tightJPEG)
        #expect(records.allSatisfy { $0.kind == .jpeg })
        #expect(TightTestImages.meanError(decoder.framebuffer, fb, in: fb.bounds) < 4)
        #expect(update.bytes.count < fb.bounds.area)
    }

    @Test func photoStaysLosslessWithoutQuality() throws {
        let fb = TightTestImages.photo(width: 320, height: 200)
        let (decoder, records, _) = try Self.roundTrip([fb.bounds], of: fb, settings: Self.tight)
        #expect(records.allSatisfy { $0.kind == .fullColour })
        #expect(decoder.framebuffer == fb)
    }

    @Test func fewColoursStayIndexedEvenWithJPEG() throws {
        let colours = (0..<40).map { UInt32($0 * 0x06_0402) }
        let fb = TightTestImages.noise(width: 200, height: 100, colours: colours)
        let (decoder, records, _) = try Self.roundTrip(
            [fb.bounds], of: fb, settings: Self.tightJPEG)
        #expect(records.map(\.kind) == [.indexed(colours: 40)])
        #expect(decoder.framebuffer == fb)
    }

    @Test func encoderKeepsStreamsAcrossUpdates() throws {
        let fb = TightTestImages.desktop(width: 500, height: 400)
        var encoder = UpdateEncoder()
        let decoder = TightTestDecoder(width: 500, height: 400)
        for band in 0..<4 {
            let rect = Rect(x: 0, y: band * 100, width: 500, height: 100)
            let update = encoder.encode([rect], of: fb, as: .rgb888, settings: Self.tight)
            try decoder.decode(update)
        }
        #expect(decoder.framebuffer == fb)
        #expect(decoder.resets.allSatisfy { $0 <= 1 }, "each stream is reset once at most")
    }

    @Test func tightIn16BitsIsLossyOnlyByTheFormat() throws {
        let rgb565 = PixelFormat(
            bitsPerPixel: 16, depth: 16, bigEndian: false, trueColour: true, redMax: 31,
            greenMax: 63, blueMax: 31, redShift: 11, greenShift: 5, blueShift: 0)
        let fb = TightTestImages.desktop(width: 400, height: 300)
        let (decoder, _, _) = try Self.roundTrip(
            [fb.bounds], of: fb, settings: Self.tight, format: rgb565)
        #expect(decoder.framebuffer == TightTestImages.roundTripped(fb, through: rgb565))
    }
}

/// Full-HD frames with noVNC's settings: everything decodes, lossless parts exactly.
struct UpdateEncoderFullHDTests {
    @Test(arguments: ["desktop", "photo"])
    func fullHDFrameDecodes(content: String) throws {
        let fb =
            content == "desktop"
            ? TightTestImages.desktop(width: 1920, height: 1080)
            : TightTestImages.photo(width: 1920, height: 1080)
        let (decoder, records, update) = try UpdateEncoderTests.roundTrip(
            [fb.bounds], of: fb, settings: UpdateEncoderTests.tightJPEG)
        #expect(UpdateEncoderTests.tiles(records, exactly: fb.bounds.area))
        for record in records {
            if record.kind == .jpeg {
                #expect(TightTestImages.meanError(decoder.framebuffer, fb, in: record.rect) < 6)
            } else {
                let r = record.rect
                let exact = (r.y..<r.maxY).allSatisfy { y in
                    (r.x..<r.maxX).allSatisfy { x in decoder.framebuffer[x, y] == fb[x, y] }
                }
                #expect(exact, "\(record.kind) at \(r) is exact")
            }
        }
        // A desktop is mostly fills and palettes; a photo all JPEG, far below raw size.
        #expect(update.bytes.count < fb.bounds.area / (content == "desktop" ? 10 : 3))
    }
}

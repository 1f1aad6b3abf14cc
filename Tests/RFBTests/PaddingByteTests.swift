import Testing

@testable import RFB

/// Pixels whose unused top byte is set (Xvfb writes 0xFF there) must encode like the same
/// colours with it clear: an agent crashed on `0xFFFFFFFF` (white) once, because the
/// palette took it for an empty slot.
@Suite("Padding byte")
struct PaddingByteTests {
    @Test(arguments: [UpdateEncoderTests.tight, UpdateEncoderTests.tightJPEG])
    func topByteIsIgnored(settings: EncodingSettings) throws {
        let lossless = settings.qualityLevel == nil
        var clean = TightTestImages.desktop(width: 320, height: 200)
        // White text-like strokes and a few other colours, as a terminal shows.
        for y in stride(from: 10, to: 190, by: 7) {
            for x in stride(from: 10, to: 310, by: 3) { clean[x, y] = 0x00FF_FFFF }
        }
        var dirty = clean
        for i in dirty.pixels.indices { dirty.pixels[i] |= (i % 3 == 0 ? 0xFF00_0000 : 0x7F00_0000) }
        let (decoder, _, _) = try UpdateEncoderTests.roundTrip([dirty.bounds], of: dirty, settings: settings)
        if lossless {
            #expect(decoder.framebuffer == clean)
        } else {
            // JPEG is lossy and the split may differ: the padded input must come out about as
            // close to the clean colours as the clean input itself does.
            let (reference, _, _) = try UpdateEncoderTests.roundTrip([clean.bounds], of: clean, settings: settings)
            func meanError(_ image: Framebuffer) -> Double {
                var error = 0
                for (a, b) in zip(image.pixels, clean.pixels) {
                    for shift in [0, 8, 16] as [UInt32] {
                        error += abs(Int((a >> shift) & 0xFF) - Int((b >> shift) & 0xFF))
                    }
                }
                return Double(error) / Double(clean.pixels.count * 3)
            }
            #expect(meanError(decoder.framebuffer) <= meanError(reference.framebuffer) * 1.5 + 0.5)
        }
    }

    @Test func allWhiteWithPaddingIsOneColour() {
        let pixels = [UInt32](repeating: 0xFFFF_FFFF, count: 64)
        let palette = pixels.withUnsafeBufferPointer {
            TightPalette.analyse($0.baseAddress!, stride: 8, width: 8, height: 8, maxColours: 256)
        }
        #expect(palette?.colours == [0x00FF_FFFF])
    }
}

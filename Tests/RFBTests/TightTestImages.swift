@testable import RFB

/// Synthetic screens for encoder tests, deterministic from a seed.
enum TightTestImages {
    /// SplitMix64: small, fast and the same on every run.
    struct Random {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// One colour everywhere.
    static func solid(width: Int, height: Int, colour: UInt32) -> Framebuffer {
        Framebuffer(
            width: width, height: height,
            pixels: [UInt32](repeating: colour, count: width * height))
    }

    /// Random pixels from `colours` (or any colour when nil).
    static func noise(width: Int, height: Int, colours: [UInt32]? = nil, seed: UInt64 = 1)
        -> Framebuffer
    {
        var random = Random(state: seed)
        let pixels = (0..<width * height).map { _ in
            colours.map { $0[random.below($0.count)] } ?? UInt32(random.next() & 0xFF_FFFF)
        }
        return Framebuffer(width: width, height: height, pixels: pixels)
    }

    /// A smooth gradient with a little noise: what a photo or video looks like to a codec.
    static func photo(width: Int, height: Int, seed: UInt64 = 2) -> Framebuffer {
        var random = Random(state: seed)
        var pixels = [UInt32](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let jitter = random.below(16)
                // Clamped, not wrapped: a wrap would be a hard edge no photo has.
                let r = min(x * 240 / max(width - 1, 1) + jitter, 255)
                let g = min(y * 240 / max(height - 1, 1) + jitter / 2, 255)
                let b = min((x + y) * 127 / max(width + height, 1) + jitter, 255)
                pixels[y * width + x] = UInt32(r << 16 | g << 8 | b)
            }
        }
        return Framebuffer(width: width, height: height, pixels: pixels)
    }

    /// A desktop: a panel, a flat background, windows with text-like rows of glyph pixels
    /// (two colours, some with a few anti-aliasing greys) and an icon strip of many colours.
    static func desktop(width: Int, height: Int, seed: UInt64 = 3) -> Framebuffer {
        var random = Random(state: seed)
        var fb = solid(width: width, height: height, colour: 0x2E_3440)
        for y in 0..<min(28, height) {
            for x in 0..<width { fb[x, y] = 0xD8_DEE9 }
        }
        let windows = [
            Rect(x: width / 16, y: height / 8, width: width / 2, height: height / 2),
            Rect(x: width / 2, y: height / 3, width: width * 2 / 5, height: height / 2),
        ]
        let greys: [UInt32] = [0x00_0000, 0x40_4040, 0x80_8080, 0xC0_C0C0]
        for (n, window) in windows.enumerated() {
            guard let window = window.intersection(fb.bounds) else { continue }
            for y in window.y..<window.maxY {
                let line = (y - window.y) % 18
                let inText = line >= 4 && line < 14 && y - window.y > 30
                for x in window.x..<window.maxX {
                    var colour: UInt32 = y - window.y < 24 ? 0x4C_566A : 0xFF_FFFF
                    if inText && (x - window.x) % 200 < 170 && random.below(3) == 0 {
                        colour = n == 0 ? 0x00_0000 : greys[random.below(greys.count)]
                    }
                    fb[x, y] = colour
                }
            }
        }
        // Icons: 48×48 squares of many colours along the left edge.
        for i in 0..<max(0, (height - 60) / 64) {
            for y in 0..<48 {
                for x in 0..<48 where 8 + x < width {
                    fb[8 + x, 40 + i * 64 + y] = UInt32(
                        (x * 5) << 16 | (y * 5) << 8 | (i * 40) & 0xFF)
                }
            }
        }
        return fb
    }

    /// Mean absolute difference per channel between two images of the same size.
    static func meanError(_ a: Framebuffer, _ b: Framebuffer, in rect: Rect) -> Double {
        var total = 0
        for y in rect.y..<rect.maxY {
            for x in rect.x..<rect.maxX {
                let p = a[x, y]
                let q = b[x, y]
                for shift: UInt32 in [0, 8, 16] {
                    total += abs(Int((p >> shift) & 0xFF) - Int((q >> shift) & 0xFF))
                }
            }
        }
        return Double(total) / Double(rect.area * 3)
    }

    /// `framebuffer` with every pixel passed through `format` and back.
    static func roundTripped(_ framebuffer: Framebuffer, through format: PixelFormat)
        -> Framebuffer
    {
        Framebuffer(
            width: framebuffer.width, height: framebuffer.height,
            pixels: framebuffer.pixels.map { TightTestDecoder.roundTrip($0, through: format) })
    }
}

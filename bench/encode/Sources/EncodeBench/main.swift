import Foundation
import RFB

// Times UpdateEncoder on full-screen 1920×1080 changes and prints ms and bytes per frame.
// Usage: swift run -c release --package-path bench/encode [frames] [workload-name-filter]

/// SplitMix64, so every run encodes the same frames.
struct Random {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Synthetic screens: what each workload looks like to the encoder.
enum Frames {
    /// Flat panel and background, two windows with title bars and rows of "text" (glyph
    /// pixels in black or a few greys on white), a column of colourful icons.
    static func desktop(_ w: Int, _ h: Int, seed: UInt64) -> Framebuffer {
        var random = Random(state: seed)
        var px = [UInt32](repeating: 0x2E_3440, count: w * h)
        for y in 0..<28 { for x in 0..<w { px[y * w + x] = 0xD8_DEE9 } }
        let windows = [(w / 16, h / 8, w / 2, h / 2), (w / 2, h / 3, w * 2 / 5, h / 2)]
        let greys: [UInt32] = [0x00_0000, 0x40_4040, 0x80_8080, 0xC0_C0C0]
        for (n, (wx, wy, ww, wh)) in windows.enumerated() {
            for y in wy..<min(wy + wh, h) {
                let line = (y - wy) % 18
                let inText = line >= 4 && line < 14 && y - wy > 30
                for x in wx..<min(wx + ww, w) {
                    var c: UInt32 = y - wy < 24 ? 0x4C_566A : 0xFF_FFFF
                    if inText && (x - wx) % 200 < 170 && random.next() % 3 == 0 {
                        c = n == 0 ? 0 : greys[Int(random.next() % 4)]
                    }
                    px[y * w + x] = c
                }
            }
        }
        for i in 0..<(h - 60) / 64 {
            for y in 0..<48 {
                for x in 0..<48 {
                    px[(40 + i * 64 + y) * w + 8 + x] = UInt32(
                        (x * 5) << 16 | (y * 5) << 8 | (i * 40) & 0xFF)
                }
            }
        }
        return Framebuffer(width: w, height: h, pixels: px)
    }

    /// Smooth gradients plus per-pixel noise of ±8: a photo or video frame.
    static func photo(_ w: Int, _ h: Int, seed: UInt64) -> Framebuffer {
        var random = Random(state: seed)
        var px = [UInt32](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let j = Int(random.next() % 16)
                let r = min(x * 240 / (w - 1) + j, 255)
                let g = min(y * 240 / (h - 1) + j / 2, 255)
                let b = min((x + y) * 127 / (w + h) + j + Int(seed) * 20, 255)
                px[y * w + x] = UInt32(r << 16 | g << 8 | b)
            }
        }
        return Framebuffer(width: w, height: h, pixels: px)
    }

    /// Every pixel random: the worst case for every codec.
    static func noise(_ w: Int, _ h: Int, seed: UInt64) -> Framebuffer {
        var random = Random(state: seed)
        let px = (0..<w * h).map { _ in UInt32(random.next() & 0xFF_FFFF) }
        return Framebuffer(width: w, height: h, pixels: px)
    }
}

let frames = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 30
let (width, height) = (1920, 1080)
// noVNC 1.3 defaults: Tight, quality 6, compression 2.
let noVNC = EncodingSettings(encodings: [7, 1, 0, -26, -254], qualityLevel: 6, compressionLevel: 2)
let lossless = EncodingSettings(encodings: [7, 1, 0], compressionLevel: 2)

let workloads: [(String, (Int, Int, UInt64) -> Framebuffer, EncodingSettings)] = [
    ("desktop   q6 c2", Frames.desktop, noVNC),
    ("desktop   lossless c2", Frames.desktop, lossless),
    ("photo     q6 c2", Frames.photo, noVNC),
    ("noise     q6 c2", Frames.noise, noVNC),
    // No quality level: photos go through zlib, which is why viewers should ask for JPEG.
    ("photo     lossless c2", Frames.photo, lossless),
]

print("UpdateEncoder, \(width)x\(height) full-screen change, \(frames) frames each, one core")
let filter = CommandLine.arguments.dropFirst(2).first
for (name, make, settings) in workloads where filter.map({ name.contains($0) }) ?? true {
    // Two different frames alternate so zlib's window does not see a repeat.
    let pair = [make(width, height, 1), make(width, height, 2)]
    var encoder = UpdateEncoder()
    let rect = [Rect(x: 0, y: 0, width: width, height: height)]
    for fb in pair { _ = encoder.encode(rect, of: fb, as: .rgb888, settings: settings) }
    var times: [Double] = []
    var bytes = 0
    var rects = 0
    for i in 0..<frames {
        let start = DispatchTime.now().uptimeNanoseconds
        let update = encoder.encode(rect, of: pair[i % 2], as: .rgb888, settings: settings)
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        bytes += update.bytes.count
        rects += update.rectangleCount
    }
    times.sort()
    let mean = times.reduce(0, +) / Double(times.count)
    print(
        String(
            format:
                "%-24@ mean %6.2f ms  median %6.2f ms  min %6.2f ms  %8d bytes/frame  %4d rects",
            name, mean, times[times.count / 2], times[0], bytes / frames, rects / frames))
}

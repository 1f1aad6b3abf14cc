/// The Tight encoding (7): solid fills, 2-colour and indexed palettes and full colour
/// through four persistent zlib streams, and JPEG for photo-like areas.
///
/// One per viewer: the zlib streams carry their dictionaries from rectangle to rectangle
/// and the viewer's inflaters must follow them, so never share or copy an encoder between
/// viewers. Rectangles must be at most 2048 pixels wide (the split is `UpdateEncoder`'s).
public struct TightEncoder: RFBEncoder {
    /// Tight's encoding number.
    public var encoding: Int32 { 7 }

    /// Compression level 0–9 (the viewer's pseudo-encoding); picks the zlib levels.
    public var compressionLevel: Int
    /// JPEG quality level 0–9, or nil when the viewer wants lossless pixels only.
    public var qualityLevel: Int?

    /// Widest rectangle a Tight viewer accepts.
    public static let maxWidth = 2048

    /// Streams 0 full colour, 1 two-colour, 2 indexed, as TigerVNC (3 is unused).
    private let streams: [ZlibStream]
    /// Streams used since this encoder began, so their first use asks the viewer to reset
    /// its inflater: a new encoder on a live connection then stays in step.
    private var streamsStarted: UInt8 = 0
    private var jpeg: JPEGCompressor?
    /// Reused staging buffer for the bytes before compression.
    private var scratch: [UInt8] = []

    /// An encoder at `compressionLevel` (noVNC's default is 2) and `qualityLevel`.
    public init(compressionLevel: Int = 2, qualityLevel: Int? = nil) {
        self.compressionLevel = compressionLevel
        self.qualityLevel = qualityLevel
        let levels = Self.zlibLevels(forCompressionLevel: compressionLevel)
        streams = [levels.fullColour, levels.mono, levels.indexed, levels.indexed].map {
            ZlibStream(level: $0)
        }
    }

    /// Encodes `rect`, choosing the form by counting its colours (see `UpdateEncoder` for
    /// the whole policy, which also finds solid areas and splits big rectangles).
    public mutating func encode(
        _ rect: Rect, of framebuffer: Framebuffer, as format: PixelFormat,
        into out: inout [UInt8]
    ) {
        let limit = TightPalette.maxColours(
            area: rect.area, compressionLevel: compressionLevel,
            jpeg: canUseJPEG(for: format))
        let palette = framebuffer.pixels.withUnsafeBufferPointer { pixels in
            TightPalette.analyse(
                pixels.baseAddress! + rect.y * framebuffer.width + rect.x,
                stride: framebuffer.width, width: rect.width, height: rect.height,
                maxColours: limit)
        }
        encode(rect, of: framebuffer, as: format, palette: palette, into: &out)
    }

    /// True when JPEG may carry full-colour rectangles: the viewer set a quality level and
    /// its pixels are at least 16 bits (TigerVNC's rule).
    func canUseJPEG(for format: PixelFormat) -> Bool {
        qualityLevel != nil && format.trueColour && format.bitsPerPixel >= 16
    }

    /// Encodes `rect` in the form its `palette` calls for: nil means many colours (JPEG or
    /// zlib full colour), one colour a fill, two a bitmap, more an indexed palette.
    mutating func encode(
        _ rect: Rect, of framebuffer: Framebuffer, as format: PixelFormat,
        palette: TightPalette?, into out: inout [UInt8]
    ) {
        precondition(rect.width <= Self.maxWidth, "Tight rectangles are at most 2048 wide")
        framebuffer.pixels.withUnsafeBufferPointer { pixels in
            let origin = pixels.baseAddress! + rect.y * framebuffer.width + rect.x
            let area = Area(
                origin: origin, stride: framebuffer.width, width: rect.width,
                height: rect.height)
            switch palette?.count {
            case nil:
                if canUseJPEG(for: format) {
                    writeJPEG(area, into: &out)
                } else {
                    writeFullColour(area, format: format, into: &out)
                }
            case 1:
                writeFill(palette!.colours[0], format: format, into: &out)
            case 2:
                writeMono(area, palette: palette!, format: format, into: &out)
            default:
                writeIndexed(area, palette: palette!, format: format, into: &out)
            }
        }
    }

    /// Appends a fill rectangle's payload: the control byte and one TPIXEL.
    mutating func writeFill(_ colour: UInt32, format: PixelFormat, into out: inout [UInt8]) {
        out.append(Control.fill)
        format.appendTightPixel(ofRGB: colour, to: &out)
    }

    /// The pixels of one rectangle inside the framebuffer.
    struct Area {
        var origin: UnsafePointer<UInt32>
        var stride: Int
        var width: Int
        var height: Int
    }

    /// Control byte values (the high nibble; the low nibble asks for stream resets).
    enum Control {
        static let fill: UInt8 = 0x80
        static let jpeg: UInt8 = 0x90
        /// Basic compression with an explicit filter byte following.
        static let explicitFilter: UInt8 = 0x40
        static let paletteFilter: UInt8 = 1
    }

    /// Zlib levels for each stream per compression level: TigerVNC's table, from the
    /// VirtualGL project's measurements.
    static func zlibLevels(forCompressionLevel level: Int) -> (
        indexed: Int32, mono: Int32, fullColour: Int32
    ) {
        switch min(max(level, 0), 9) {
        case 0: (0, 0, 0)
        case 1: (1, 1, 1)
        case 2: (3, 3, 2)
        case 3: (5, 5, 2)
        case 4: (6, 7, 3)
        case 5: (7, 8, 4)
        case 6: (7, 8, 5)
        case 7: (8, 9, 6)
        case 8: (9, 9, 7)
        default: (9, 9, 9)
        }
    }

    /// Appends Tight's compact length: 7 bits per byte, low first, at most 3 bytes.
    static func appendCompactLength(_ length: Int, to out: inout [UInt8]) {
        precondition(length < 1 << 22, "Tight lengths fit in 22 bits")
        if length <= 0x7F {
            out.append(UInt8(length))
        } else if length <= 0x3FFF {
            out.append(UInt8(length & 0x7F) | 0x80)
            out.append(UInt8(length >> 7))
        } else {
            out.append(UInt8(length & 0x7F) | 0x80)
            out.append(UInt8((length >> 7) & 0x7F) | 0x80)
            out.append(UInt8(length >> 14))
        }
    }

    /// Writes `control` (with a reset bit on the stream's first use), then `header`, then
    /// `byteCount` bytes that `fill` writes, through stream `id` — or as they are when fewer
    /// than 12, which Tight never compresses.
    mutating func writeCompressed(
        control: UInt8, header: [UInt8], stream id: Int, level: Int32, byteCount: Int,
        into out: inout [UInt8], fill: (UnsafeMutableRawPointer) -> Void
    ) {
        if scratch.count < byteCount {
            scratch = [UInt8](repeating: 0, count: max(byteCount, scratch.count * 2))
        }
        let compress = byteCount >= 12
        var control = control
        if compress && streamsStarted & (1 << id) == 0 {
            streamsStarted |= 1 << id
            control |= 1 << id
        }
        out.append(control)
        out.append(contentsOf: header)
        let stream = streams[id]
        scratch.withUnsafeMutableBytes { buffer in
            fill(buffer.baseAddress!)
            let data = UnsafeRawBufferPointer(rebasing: buffer[0..<byteCount])
            if compress {
                let compressed = stream.compress(data, level: level)
                Self.appendCompactLength(compressed.count, to: &out)
                out.append(contentsOf: compressed)
            } else {
                out.append(contentsOf: data)
            }
        }
    }

    /// Appends a JPEG rectangle: control byte, compact length, the JPEG file.
    private mutating func writeJPEG(_ area: Area, into out: inout [UInt8]) {
        if jpeg == nil { jpeg = JPEGCompressor() }
        let setting = JPEGCompressor.setting(forLevel: qualityLevel ?? 6)
        let data = jpeg!.compress(
            area.origin, stride: area.stride, width: area.width, height: area.height,
            quality: setting.quality, subsampling: setting.subsampling)
        out.append(Control.jpeg)
        Self.appendCompactLength(data.count, to: &out)
        out.append(contentsOf: data)
    }
}

extension TightEncoder {
    /// Appends a 2-colour rectangle: the palette filter with two TPIXELs, then one bit per
    /// pixel (rows padded to a byte, most significant bit first) through stream 1. Bit 0 is
    /// the commoner colour, so the bitmap is mostly zero bytes.
    mutating func writeMono(
        _ area: Area, palette: TightPalette, format: PixelFormat, into out: inout [UInt8]
    ) {
        let background = palette.colours[0]
        var header: [UInt8] = [Control.paletteFilter, 1]
        format.appendTightPixel(ofRGB: background, to: &header)
        format.appendTightPixel(ofRGB: palette.colours[1], to: &header)
        let rowBytes = (area.width + 7) / 8
        let levels = Self.zlibLevels(forCompressionLevel: compressionLevel)
        writeCompressed(
            control: Control.explicitFilter | 1 << 4, header: header, stream: 1,
            level: levels.mono, byteCount: rowBytes * area.height, into: &out
        ) { dest in
            var out = dest.assumingMemoryBound(to: UInt8.self)
            let whole = area.width & ~7
            for y in 0..<area.height {
                let row = area.origin + y * area.stride
                var x = 0
                while x < whole {
                    var byte: UInt8 = 0
                    for bit in 0..<8 where row[x + bit] & 0x00FF_FFFF != background {
                        byte |= 0x80 >> UInt8(bit)
                    }
                    out.pointee = byte
                    out += 1
                    x += 8
                }
                if x < area.width {
                    var byte: UInt8 = 0
                    for bit in 0..<(area.width - x) where row[x + bit] & 0x00FF_FFFF != background {
                        byte |= 0x80 >> UInt8(bit)
                    }
                    out.pointee = byte
                    out += 1
                }
            }
        }
    }

    /// Appends an indexed rectangle (3–256 colours): the palette filter with the colour
    /// count less one and the TPIXELs, then one index byte per pixel through stream 2.
    mutating func writeIndexed(
        _ area: Area, palette: TightPalette, format: PixelFormat, into out: inout [UInt8]
    ) {
        var header: [UInt8] = [Control.paletteFilter, UInt8(palette.count - 1)]
        for colour in palette.colours {
            format.appendTightPixel(ofRGB: colour, to: &header)
        }
        let levels = Self.zlibLevels(forCompressionLevel: compressionLevel)
        writeCompressed(
            control: Control.explicitFilter | 2 << 4, header: header, stream: 2,
            level: levels.indexed, byteCount: area.width * area.height, into: &out
        ) { dest in
            var out = dest.assumingMemoryBound(to: UInt8.self)
            palette.withLookup { lookup in
                // Runs of one colour are the rule on a desktop: look each run up once.
                var previous = area.origin.pointee
                var index = lookup(previous)
                for y in 0..<area.height {
                    let row = area.origin + y * area.stride
                    for x in 0..<area.width {
                        let p = row[x]
                        if p != previous {
                            previous = p
                            index = lookup(p)
                        }
                        out[x] = index
                    }
                    out += area.width
                }
            }
        }
    }

    /// Appends a full-colour rectangle: TPIXELs (3 bytes when compactable) through stream 0
    /// with the copy filter (no filter byte).
    mutating func writeFullColour(_ area: Area, format: PixelFormat, into out: inout [UInt8]) {
        let translator = PixelFormat.Translator(format)
        let levels = Self.zlibLevels(forCompressionLevel: compressionLevel)
        writeCompressed(
            control: 0, header: [], stream: 0, level: levels.fullColour,
            byteCount: area.width * area.height * format.tightPixelSize, into: &out
        ) { dest in
            translator.writeTight(
                area.origin, stride: area.stride, width: area.width, height: area.height,
                to: dest)
        }
    }
}

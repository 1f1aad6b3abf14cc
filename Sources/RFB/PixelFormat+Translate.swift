extension PixelFormat {
    /// The pixel value of `rgb` (`0x00RRGGBB`) in this format, before byte ordering.
    ///
    /// Channels are scaled with rounding (`c * max / 255`), so a 5-bit red of 255 is 31.
    public func wireValue(ofRGB rgb: UInt32) -> UInt32 {
        let r = (rgb >> 16) & 0xFF
        let g = (rgb >> 8) & 0xFF
        let b = rgb & 0xFF
        return Self.scale(r, to: redMax) << UInt32(redShift)
            | Self.scale(g, to: greenMax) << UInt32(greenShift)
            | Self.scale(b, to: blueMax) << UInt32(blueShift)
    }

    /// Appends `rgb` as one pixel of this format (`bytesPerPixel` bytes, in its byte order).
    public func appendPixel(ofRGB rgb: UInt32, to out: inout [UInt8]) {
        let value = wireValue(ofRGB: rgb)
        switch bitsPerPixel {
        case 8:
            out.append(UInt8(truncatingIfNeeded: value))
        case 16:
            let bytes = [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)]
            out.append(contentsOf: bigEndian ? bytes.reversed() : bytes)
        default:
            let bytes = (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * UInt32($0))) }
            out.append(contentsOf: bigEndian ? bytes.reversed() : bytes)
        }
    }

    /// Appends `rgb` as a Tight TPIXEL: R, G, B when the format is compactable, else a pixel.
    func appendTightPixel(ofRGB rgb: UInt32, to out: inout [UInt8]) {
        if isCompactable {
            out.append(UInt8(truncatingIfNeeded: rgb >> 16))
            out.append(UInt8(truncatingIfNeeded: rgb >> 8))
            out.append(UInt8(truncatingIfNeeded: rgb))
        } else {
            appendPixel(ofRGB: rgb, to: &out)
        }
    }

    /// Bytes a Tight TPIXEL takes in this format.
    var tightPixelSize: Int { isCompactable ? 3 : bytesPerPixel }

    private static func scale(_ channel: UInt32, to max: UInt16) -> UInt32 {
        max == 255 ? channel : (channel * UInt32(max) + 127) / 255
    }

    /// Translates rows of `0x00RRGGBB` pixels into this format, fast: table lookups per
    /// channel, and straight copies when the viewer's format is the framebuffer's own.
    struct Translator {
        let format: PixelFormat
        /// Red, green and blue contributions to the pixel value, 256 entries each.
        private let table: [UInt32]
        private let isNative: Bool

        init(_ format: PixelFormat) {
            self.format = format
            var table = [UInt32](repeating: 0, count: 768)
            for c in 0..<256 {
                let v = UInt32(c)
                table[c] = PixelFormat.scale(v, to: format.redMax) << UInt32(format.redShift)
                table[256 + c] =
                    PixelFormat.scale(v, to: format.greenMax) << UInt32(format.greenShift)
                table[512 + c] =
                    PixelFormat.scale(v, to: format.blueMax) << UInt32(format.blueShift)
            }
            self.table = table
            // The framebuffer's `[UInt32]` is already the wire layout on a little-endian host.
            #if _endian(little)
                isNative =
                    format.bitsPerPixel == 32 && !format.bigEndian && format.redMax == 255
                    && format.greenMax == 255 && format.blueMax == 255 && format.redShift == 16
                    && format.greenShift == 8 && format.blueShift == 0
            #else
                isNative = false
            #endif
        }

        /// Writes `width × height` pixels starting at `source` (rows `stride` pixels apart)
        /// to `dest` as whole pixels of the format; returns the bytes written.
        @discardableResult
        func write(
            _ source: UnsafePointer<UInt32>, stride: Int, width: Int, height: Int,
            to dest: UnsafeMutableRawPointer
        ) -> Int {
            let bpp = format.bytesPerPixel
            let rowBytes = width * bpp
            if isNative {
                for y in 0..<height {
                    (dest + y * rowBytes).copyMemory(
                        from: source + y * stride, byteCount: rowBytes)
                }
                return rowBytes * height
            }
            let big = format.bigEndian
            table.withUnsafeBufferPointer { t in
                let t = t.baseAddress!
                var out = dest.assumingMemoryBound(to: UInt8.self)
                for y in 0..<height {
                    let row = source + y * stride
                    for x in 0..<width {
                        let p = row[x]
                        let v =
                            t[Int((p >> 16) & 0xFF)] | t[256 + Int((p >> 8) & 0xFF)]
                            | t[512 + Int(p & 0xFF)]
                        switch bpp {
                        case 1:
                            out[0] = UInt8(truncatingIfNeeded: v)
                        case 2:
                            let v16 = UInt16(truncatingIfNeeded: v)
                            let bytes = big ? v16.bigEndian : v16.littleEndian
                            UnsafeMutableRawPointer(out).storeBytes(of: bytes, as: UInt16.self)
                        case 3:
                            // Not a valid RFB size, but never write past the pixel.
                            for i in 0..<3 {
                                out[i] = UInt8(
                                    truncatingIfNeeded: v >> UInt32(8 * (big ? 2 - i : i)))
                            }
                        default:
                            let bytes = big ? v.bigEndian : v.littleEndian
                            UnsafeMutableRawPointer(out).storeBytes(of: bytes, as: UInt32.self)
                        }
                        out += bpp
                    }
                }
            }
            return rowBytes * height
        }

        /// Writes the pixels as Tight TPIXELs (3 bytes R, G, B when compactable); returns
        /// the bytes written.
        @discardableResult
        func writeTight(
            _ source: UnsafePointer<UInt32>, stride: Int, width: Int, height: Int,
            to dest: UnsafeMutableRawPointer
        ) -> Int {
            guard format.isCompactable else {
                return write(source, stride: stride, width: width, height: height, to: dest)
            }
            var out = dest.assumingMemoryBound(to: UInt8.self)
            for y in 0..<height {
                let row = source + y * stride
                for x in 0..<width {
                    let p = row[x]
                    out[0] = UInt8(truncatingIfNeeded: p >> 16)
                    out[1] = UInt8(truncatingIfNeeded: p >> 8)
                    out[2] = UInt8(truncatingIfNeeded: p)
                    out += 3
                }
            }
            return width * height * 3
        }
    }
}

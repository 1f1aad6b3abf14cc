import CTurboJPEG
import CZlib

@testable import RFB

/// A viewer's side of Raw, CopyRect and Tight, written from the protocol description, to
/// check encoders by decoding what they produce: four persistent inflate streams honouring
/// the reset bits, and libjpeg-turbo for JPEG rectangles.
final class TightTestDecoder {
    /// What one rectangle record turned out to be.
    enum Kind: Equatable {
        case raw, copy, fill, mono, fullColour, jpeg
        case indexed(colours: Int)
    }

    /// One decoded rectangle record.
    struct Record: Equatable {
        var rect: Rect
        var encoding: Int32
        var kind: Kind
    }

    enum DecodeError: Error, Equatable {
        case truncated
        case unknownEncoding(Int32)
        case badControl(UInt8)
        case unsupportedFilter(UInt8)
        case inflateFailed(Int32)
        case jpegFailed
        case trailingBytes
    }

    /// The viewer's framebuffer, `0x00RRGGBB`, as decoded so far.
    var framebuffer: Framebuffer
    let format: PixelFormat
    private let streams: [UnsafeMutablePointer<z_stream>]
    /// How many times each stream was reset by a control byte.
    private(set) var resets = [0, 0, 0, 0]

    init(width: Int, height: Int, format: PixelFormat = .rgb888) {
        framebuffer = Framebuffer(width: width, height: height)
        self.format = format
        streams = (0..<4).map { _ in
            let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            stream.initialize(to: z_stream())
            let status = inflateInit_(stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
            precondition(status == Z_OK)
            return stream
        }
    }

    deinit {
        for stream in streams {
            inflateEnd(stream)
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
    }

    /// Decodes every record of `update` into `framebuffer` and says what each one was.
    @discardableResult
    func decode(_ update: EncodedUpdate) throws -> [Record] {
        var reader = Reader(bytes: update.bytes)
        var records: [Record] = []
        for _ in 0..<update.rectangleCount {
            let rect = Rect(
                x: Int(try reader.u16()), y: Int(try reader.u16()),
                width: Int(try reader.u16()), height: Int(try reader.u16()))
            let encoding = Int32(bitPattern: try reader.u32())
            let kind: Kind
            switch encoding {
            case 0: kind = try decodeRaw(rect, &reader)
            case 1: kind = try decodeCopy(rect, &reader)
            case 7: kind = try decodeTight(rect, &reader)
            default: throw DecodeError.unknownEncoding(encoding)
            }
            records.append(Record(rect: rect, encoding: encoding, kind: kind))
        }
        guard reader.offset == update.bytes.count else { throw DecodeError.trailingBytes }
        return records
    }

    /// What a source pixel becomes after a trip through `format` and back.
    static func roundTrip(_ rgb: UInt32, through format: PixelFormat) -> UInt32 {
        if format.isCompactable { return rgb & 0xFF_FFFF }
        return Self.rgb(fromWire: format.wireValue(ofRGB: rgb), format: format)
    }

    static func rgb(fromWire value: UInt32, format: PixelFormat) -> UInt32 {
        func channel(_ shift: UInt8, _ max: UInt16) -> UInt32 {
            let c = (value >> UInt32(shift)) & UInt32(max)
            return (c * 255 + UInt32(max) / 2) / UInt32(max)
        }
        return channel(format.redShift, format.redMax) << 16
            | channel(format.greenShift, format.greenMax) << 8
            | channel(format.blueShift, format.blueMax)
    }

    // MARK: - Encodings

    private func decodeRaw(_ rect: Rect, _ reader: inout Reader) throws -> Kind {
        for y in rect.y..<rect.maxY {
            for x in rect.x..<rect.maxX {
                framebuffer[x, y] = try readPixel(&reader)
            }
        }
        return .raw
    }

    private func decodeCopy(_ rect: Rect, _ reader: inout Reader) throws -> Kind {
        let sx = Int(try reader.u16())
        let sy = Int(try reader.u16())
        let source = framebuffer
        for y in 0..<rect.height {
            for x in 0..<rect.width {
                framebuffer[rect.x + x, rect.y + y] = source[sx + x, sy + y]
            }
        }
        return .copy
    }

    private func decodeTight(_ rect: Rect, _ reader: inout Reader) throws -> Kind {
        let control = try reader.u8()
        for id in 0..<4 where control & (1 << id) != 0 {
            inflateReset(streams[id])
            resets[id] += 1
        }
        let type = control >> 4
        switch type {
        case 0x8:
            let colour = try readTightPixel(&reader)
            for y in rect.y..<rect.maxY {
                for x in rect.x..<rect.maxX { framebuffer[x, y] = colour }
            }
            return .fill
        case 0x9:
            let length = try reader.compactLength()
            try decodeJPEG(try reader.bytes(length), into: rect)
            return .jpeg
        case let basic where basic & 0x8 == 0:
            let stream = Int(basic & 0x3)
            let filter = basic & 0x4 != 0 ? try reader.u8() : 0
            switch filter {
            case 0:
                let size = format.isCompactable ? 3 : format.bytesPerPixel
                let data = try readData(rect.area * size, stream: stream, &reader)
                var pixels = Reader(bytes: data)
                for y in rect.y..<rect.maxY {
                    for x in rect.x..<rect.maxX { framebuffer[x, y] = try readTightPixel(&pixels) }
                }
                return .fullColour
            case 1:
                let count = Int(try reader.u8()) + 1
                let palette = try (0..<count).map { _ in try readTightPixel(&reader) }
                if count == 2 {
                    let rowBytes = (rect.width + 7) / 8
                    let data = try readData(rowBytes * rect.height, stream: stream, &reader)
                    for y in 0..<rect.height {
                        for x in 0..<rect.width {
                            let bit = (data[y * rowBytes + x / 8] >> (7 - UInt8(x % 8))) & 1
                            framebuffer[rect.x + x, rect.y + y] = palette[Int(bit)]
                        }
                    }
                    return .mono
                }
                let data = try readData(rect.area, stream: stream, &reader)
                for y in 0..<rect.height {
                    for x in 0..<rect.width {
                        framebuffer[rect.x + x, rect.y + y] = palette[Int(data[y * rect.width + x])]
                    }
                }
                return .indexed(colours: count)
            default:
                throw DecodeError.unsupportedFilter(filter)
            }
        default:
            throw DecodeError.badControl(control)
        }
    }

    // MARK: - Pieces

    /// Tight's data block: as is below 12 bytes, else a compact length and zlib data.
    private func readData(_ count: Int, stream id: Int, _ reader: inout Reader) throws -> [UInt8] {
        guard count >= 12 else { return try reader.bytes(count) }
        let length = try reader.compactLength()
        var input = try reader.bytes(length)
        var output = [UInt8](repeating: 0, count: count)
        let stream = streams[id]
        let status = input.withUnsafeMutableBufferPointer { input in
            output.withUnsafeMutableBufferPointer { output in
                stream.pointee.next_in = input.baseAddress
                stream.pointee.avail_in = UInt32(input.count)
                stream.pointee.next_out = output.baseAddress
                stream.pointee.avail_out = UInt32(output.count)
                let status = inflate(stream, Z_SYNC_FLUSH)
                // All the input must be consumed and exactly fill the output.
                let clean = stream.pointee.avail_in == 0 && stream.pointee.avail_out == 0
                return status == Z_OK && clean ? Z_OK : (status == Z_OK ? Z_DATA_ERROR : status)
            }
        }
        guard status == Z_OK else { throw DecodeError.inflateFailed(status) }
        return output
    }

    private func decodeJPEG(_ data: [UInt8], into rect: Rect) throws {
        guard let handle = tjInitDecompress() else { throw DecodeError.jpegFailed }
        defer { tjDestroy(handle) }
        var pixels = [UInt32](repeating: 0, count: rect.area)
        var data = data
        let status = data.withUnsafeMutableBufferPointer { jpeg in
            pixels.withUnsafeMutableBytes { out in
                tjDecompress2(
                    handle, jpeg.baseAddress, UInt(jpeg.count),
                    out.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(rect.width),
                    Int32(rect.width * 4), Int32(rect.height), Int32(TJPF_BGRX.rawValue), 0)
            }
        }
        guard status == 0 else { throw DecodeError.jpegFailed }
        for y in 0..<rect.height {
            for x in 0..<rect.width {
                framebuffer[rect.x + x, rect.y + y] = pixels[y * rect.width + x] & 0xFF_FFFF
            }
        }
    }

    private func readPixel(_ reader: inout Reader) throws -> UInt32 {
        let bytes = try reader.bytes(format.bytesPerPixel)
        let ordered = format.bigEndian ? bytes : bytes.reversed()
        let value = ordered.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return Self.rgb(fromWire: value, format: format)
    }

    private func readTightPixel(_ reader: inout Reader) throws -> UInt32 {
        guard format.isCompactable else { return try readPixel(&reader) }
        let b = try reader.bytes(3)
        return UInt32(b[0]) << 16 | UInt32(b[1]) << 8 | UInt32(b[2])
    }

    /// Big-endian reads over a byte array.
    struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func u8() throws -> UInt8 {
            guard offset < bytes.count else { throw DecodeError.truncated }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func u16() throws -> UInt16 { UInt16(try u8()) << 8 | UInt16(try u8()) }

        mutating func u32() throws -> UInt32 { UInt32(try u16()) << 16 | UInt32(try u16()) }

        mutating func bytes(_ count: Int) throws -> [UInt8] {
            guard offset + count <= bytes.count else { throw DecodeError.truncated }
            defer { offset += count }
            return Array(bytes[offset..<offset + count])
        }

        mutating func compactLength() throws -> Int {
            var length = 0
            for i in 0..<3 {
                let b = try u8()
                if i == 2 {
                    length |= Int(b) << 14
                    break
                }
                length |= Int(b & 0x7F) << (7 * i)
                if b & 0x80 == 0 { break }
            }
            return length
        }
    }
}

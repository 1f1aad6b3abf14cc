import CZlib
import Testing

@testable import RFB

/// noVNC 1.3 deflates each clipboard message into a new stream with `Z_FULL_FLUSH` and never
/// ends the stream; such a message must decode (it once closed the viewer's session).
@Suite("ExtendedClipboard zlib")
struct ExtendedClipboardFlushTests {
    /// Deflates like noVNC's `Deflator`: a fresh stream, `Z_FULL_FLUSH`, no `Z_FINISH`.
    static func fullFlushDeflate(_ bytes: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        _ = deflateInit_(&stream, Z_DEFAULT_COMPRESSION, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        defer { deflateEnd(&stream) }
        var input = bytes
        var output = [UInt8](repeating: 0, count: bytes.count * 2 + 64)
        let produced = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf -> Int in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = uInt(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                _ = CZlib.deflate(&stream, Z_FULL_FLUSH)
                return outBuf.count - Int(stream.avail_out)
            }
        }
        return Array(output[..<produced])
    }

    @Test func unfinishedFullFlushStreamDecodes() throws {
        let text = Array("ペースト from the console\n".utf8) + [0]
        let plain: [UInt8] = [0, 0, 0, UInt8(text.count)] + text
        let compressed = Self.fullFlushDeflate(plain)
        #expect(try ExtendedClipboard.inflate(compressed[...], limit: 1 << 20) == plain)
        // Large enough to need several output chunks.
        let big = [UInt8](repeating: 0x61, count: 300_000)
        #expect(try ExtendedClipboard.inflate(Self.fullFlushDeflate(big)[...], limit: 1 << 20) == big)
        // The limit still holds for unfinished streams.
        #expect(throws: ExtendedClipboard.DecodeError.decompressedTooLarge(limit: 1000)) {
            try ExtendedClipboard.inflate(Self.fullFlushDeflate(big)[...], limit: 1000)
        }
    }
}

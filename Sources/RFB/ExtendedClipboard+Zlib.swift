import CZlib

extension ExtendedClipboard {
    /// Compresses `bytes` as one complete zlib stream (each `provide` is self-contained).
    static func deflate(_ bytes: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        guard
            deflateInit_(
                &stream, Z_DEFAULT_COMPRESSION, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
                == Z_OK
        else { return [] }
        defer { deflateEnd(&stream) }
        var input = bytes
        var output = [UInt8](
            repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 16)
        let produced = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf -> Int in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = uInt(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                guard CZlib.deflate(&stream, Z_FINISH) == Z_STREAM_END else { return 0 }
                return outBuf.count - Int(stream.avail_out)
            }
        }
        return Array(output[..<produced])
    }

    /// Inflates one zlib stream, refusing to produce more than `limit` bytes (a zlib bomb
    /// of a few KiB would otherwise expand to gigabytes).
    static func inflate(_ bytes: ArraySlice<UInt8>, limit: Int) throws(DecodeError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit_(&stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { throw .badCompressedData }
        defer { inflateEnd(&stream) }
        var input = Array(bytes)
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var status: Int32 = Z_OK
        var failure: DecodeError?
        input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            while status == Z_OK {
                let count = chunk.withUnsafeMutableBufferPointer { outBuf -> Int in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return outBuf.count - Int(stream.avail_out)
                }
                // noVNC (1.3) deflates each message with Z_FULL_FLUSH and never finishes the
                // stream: input that runs out on a flush boundary is a complete message.
                let drained = stream.avail_in == 0 && (status == Z_OK || status == Z_BUF_ERROR)
                if status != Z_OK && status != Z_STREAM_END && !drained {
                    failure = .badCompressedData
                    return
                }
                if output.count + count > limit {
                    failure = .decompressedTooLarge(limit: limit)
                    return
                }
                output.append(contentsOf: chunk[..<count])
                if drained && count < chunk.count { return }
            }
        }
        if let failure { throw failure }
        return output
    }
}

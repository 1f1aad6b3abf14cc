import NIOCore
import NIOWebSocket

/// Unmasks a WebSocket payload in one pass, eight bytes at a time, into a fresh buffer.
///
/// NIO's `unmaskedData` copies the payload (it shares storage with the decoder's buffer) and
/// then XORs it byte by byte; this reads, XORs and writes each word once.
enum WebSocketUnmasking {
    /// The frame's payload, unmasked (the payload itself when the frame has no mask).
    static func unmaskedData(
        of frame: WebSocketFrame, allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        guard let key = frame.maskKey else { return frame.data }
        let count = frame.data.readableBytes
        var output = allocator.buffer(capacity: count)
        output.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { destination in
            frame.data.withUnsafeReadableBytes { source in
                xor(source, into: destination, key: key)
            }
            return count
        }
        return output
    }

    /// Writes `source` XOR the repeated `key` to the start of `destination` (at least as long).
    static func xor(
        _ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer,
        key: WebSocketMaskingKey
    ) {
        let count = source.count
        guard count > 0, let from = source.baseAddress, let to = destination.baseAddress else {
            return
        }
        // The key repeated over a word, laid out in memory order whatever the endianness.
        var keyWord: UInt64 = 0
        withUnsafeMutableBytes(of: &keyWord) { word in
            for index in 0..<8 { word[index] = key[index % 4] }
        }
        var offset = 0
        while offset + 8 <= count {
            let word = from.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            to.storeBytes(of: word ^ keyWord, toByteOffset: offset, as: UInt64.self)
            offset += 8
        }
        while offset < count {
            let byte = from.load(fromByteOffset: offset, as: UInt8.self)
            to.storeBytes(of: byte ^ key[offset % 4], toByteOffset: offset, as: UInt8.self)
            offset += 1
        }
    }
}

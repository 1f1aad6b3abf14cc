import NIOCore
import NIOWebSocket

/// Unmasks WebSocket payload eight bytes at a time, reading, XORing and writing each word
/// once (NIO's `unmaskedData` copies the payload and then XORs it byte by byte).
enum WebSocketUnmasking {
    /// Writes `source` XOR the repeated `key` to the start of `destination` (at least as long),
    /// for a piece that starts `offset` bytes into its frame's payload.
    static func xor(
        _ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer,
        key: WebSocketMaskingKey, startingAt offset: Int = 0
    ) {
        let count = source.count
        guard count > 0, let from = source.baseAddress, let to = destination.baseAddress else {
            return
        }
        // The key, turned to where the piece starts, repeated over a word in memory order.
        var keyWord: UInt64 = 0
        withUnsafeMutableBytes(of: &keyWord) { word in
            for index in 0..<8 { word[index] = key[(index + offset) % 4] }
        }
        var at = 0
        while at + 8 <= count {
            let word = from.loadUnaligned(fromByteOffset: at, as: UInt64.self)
            to.storeBytes(of: word ^ keyWord, toByteOffset: at, as: UInt64.self)
            at += 8
        }
        while at < count {
            let byte = from.load(fromByteOffset: at, as: UInt8.self)
            to.storeBytes(of: byte ^ key[(at + offset) % 4], toByteOffset: at, as: UInt8.self)
            at += 1
        }
    }
}

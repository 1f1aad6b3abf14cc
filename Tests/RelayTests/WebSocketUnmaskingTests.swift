import NIOCore
import NIOWebSocket
import Testing

@testable import Relay

/// The word-at-a-time unmask gives what NIO's byte-at-a-time unmask gives.
@Suite struct WebSocketUnmaskingTests {
    @Test(arguments: [0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 1000, 65_537])
    func matchesNIO(length: Int) {
        let key = WebSocketMaskingKey([0x12, 0xA5, 0x00, 0xFF] as [UInt8])!
        var plain = ByteBuffer()
        for index in 0..<length { plain.writeInteger(UInt8(truncatingIfNeeded: index * 7)) }
        var masked = plain
        masked.webSocketMask(key)
        // A payload that starts inside a larger buffer, as the decoder's slices do.
        var surrounding = ByteBuffer(string: "xyz")
        surrounding.writeBuffer(&masked)
        surrounding.moveReaderIndex(forwardBy: 3)
        let frame = WebSocketFrame(fin: true, opcode: .binary, maskKey: key, data: surrounding)
        let unmasked = WebSocketUnmasking.unmaskedData(of: frame, allocator: ByteBufferAllocator())
        #expect(unmasked == plain)
        #expect(unmasked == frame.unmaskedData)
    }

    @Test func unmaskedFrameIsPassedThrough() {
        let data = ByteBuffer(string: "hello")
        let frame = WebSocketFrame(fin: true, opcode: .binary, data: data)
        #expect(
            WebSocketUnmasking.unmaskedData(of: frame, allocator: ByteBufferAllocator()) == data)
    }
}

import NIOCore
import NIOWebSocket
import Testing

@testable import Relay

/// The word-at-a-time unmask gives what NIO's byte-at-a-time unmask gives, wherever in its
/// frame a piece starts.
@Suite struct WebSocketUnmaskingTests {
    @Test(arguments: [0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 1000, 65_537], [0, 1, 2, 3, 5])
    func matchesNIO(length: Int, offset: Int) {
        let key = WebSocketMaskingKey([0x12, 0xA5, 0x00, 0xFF] as [UInt8])!
        var plain = ByteBuffer()
        for index in 0..<(offset + length) { plain.writeInteger(UInt8(truncatingIfNeeded: index * 7)) }
        var masked = plain
        masked.webSocketMask(key)
        let piece = Array(masked.readableBytesView.dropFirst(offset))
        var output = [UInt8](repeating: 0, count: length)
        piece.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { destination in
                WebSocketUnmasking.xor(source, into: destination, key: key, startingAt: offset)
            }
        }
        #expect(output == Array(plain.readableBytesView.dropFirst(offset)))
    }
}

import NIOCore
import NIOWebSocket
import Testing

@testable import Relay

/// The relay's outbound frames: every length form reads back whole, small payloads share
/// their header's buffer, large ones are sent as they are.
@Suite struct WebSocketServerFrameTests {
    @Test(arguments: [0, 1, 125, 126, 4096, 4097, 65_535, 65_536, 200_000])
    func framesReadBack(length: Int) {
        let payload = ByteBuffer(bytes: (0..<length).map { UInt8(truncatingIfNeeded: $0 * 31) })
        let (head, body) = WebSocketServerFrame.encode(
            opcode: WebSocketServerFrame.binary, payload: payload, allocator: ByteBufferAllocator())
        #expect((body == nil) == (length <= WebSocketServerFrame.copyLimit))
        if let body { #expect(body == payload, "the payload itself, not a copy") }
        var reader = WebSocketWire.ServerFrameReader()
        reader.append(head)
        if let body { reader.append(body) }
        let frame = reader.next()
        #expect(frame?.opcode == .binary && frame?.fin == true)
        #expect(frame?.payload == Array(payload.readableBytesView))
        #expect(reader.next() == nil)
    }

    @Test func headerUsesTheShortestLengthForm() {
        for (length, size) in [(125, 2), (126, 4), (65_535, 4), (65_536, 10)] {
            var header = ByteBuffer()
            WebSocketServerFrame.writeHeader(opcode: 0x2, length: length, into: &header)
            #expect(header.readableBytes == size)
            #expect(header.getInteger(at: 0, as: UInt8.self) == 0x82)
        }
    }
}

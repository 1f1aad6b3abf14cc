import NIOCore
import NIOWebSocket
import Testing

@testable import Relay

/// The relay's streaming WebSocket reader: payload comes out unmasked as it arrives, however
/// the bytes are split, and broken framing is refused with the right close code.
@Suite struct WebSocketStreamDecoderTests {
    typealias Event = WebSocketStreamDecoder.Event
    typealias Failure = WebSocketStreamDecoder.Failure

    /// Everything `chunks` decode to; binary pieces are joined into one event per run.
    static func decode(
        _ chunks: [[UInt8]], maxFrameSize: Int = 1 << 20, maxTextSize: Int = 16 << 10
    ) throws -> [Event] {
        var decoder = WebSocketStreamDecoder(maxFrameSize: maxFrameSize, maxTextSize: maxTextSize)
        var events: [Event] = []
        for chunk in chunks {
            var input = ByteBuffer(bytes: chunk)
            while let event = try decoder.next(from: &input) {
                if case .binary(var more) = event, case .binary(var joined)? = events.last {
                    joined.writeBuffer(&more)
                    events[events.count - 1] = .binary(joined)
                } else {
                    events.append(event)
                }
            }
            #expect(input.readableBytes == 0, "a chunk was left unread")
        }
        return events
    }

    /// A ticket, a fragmented binary message with a ping between its fragments, a long frame
    /// (16-bit length), a huge-form frame (64-bit length), an empty frame and a close.
    static let stream: [UInt8] = {
        let long = (0..<300).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let big = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 * 13) }
        return WebSocketWire.clientFrame(opcode: 0x1, payload: Array("ticket".utf8))
            + WebSocketWire.clientFrame(opcode: 0x2, fin: false, payload: Array("abc".utf8))
            + WebSocketWire.clientFrame(opcode: 0x9, payload: Array("p".utf8), key: [9, 8, 7, 6])
            + WebSocketWire.clientFrame(opcode: 0x0, payload: Array("def".utf8), key: [1, 2, 3, 4])
            + WebSocketWire.clientFrame(opcode: 0x2, payload: long)
            + WebSocketWire.clientFrame(opcode: 0x2, payload: big, key: [0xFF, 0, 0x80, 0x11])
            + WebSocketWire.clientFrame(opcode: 0x2, payload: [])
            + WebSocketWire.clientFrame(opcode: 0x8, payload: [0x03, 0xE8])
    }()

    static var expected: [Event] {
        let long = (0..<300).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let big = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 * 13) }
        return [
            .text(ByteBuffer(string: "ticket")), .binary(ByteBuffer(string: "abc")),
            .ping(ByteBuffer(string: "p")),
            .binary(ByteBuffer(bytes: Array("def".utf8) + long + big)),
            .close(ByteBuffer(bytes: [0x03, 0xE8])),
        ]
    }

    @Test func wholeStreamInOneRead() throws {
        #expect(try Self.decode([Self.stream]) == Self.expected)
    }

    @Test(arguments: [1, 2, 3, 5, 13, 64, 1000, 4096])
    func anySplitGivesTheSameEvents(chunk: Int) throws {
        let chunks = stride(from: 0, to: Self.stream.count, by: chunk).map {
            Array(Self.stream[$0..<min($0 + chunk, Self.stream.count)])
        }
        #expect(try Self.decode(chunks) == Self.expected)
    }

    @Test func aPingBetweenTextFragmentsStaysApart() throws {
        let bytes =
            WebSocketWire.clientFrame(opcode: 0x1, fin: false, payload: Array("tick".utf8))
            + WebSocketWire.clientFrame(opcode: 0x9, payload: Array("ping".utf8))
            + WebSocketWire.clientFrame(opcode: 0x0, payload: Array("et".utf8))
        #expect(
            try Self.decode([bytes]) == [
                .ping(ByteBuffer(string: "ping")), .text(ByteBuffer(string: "ticket")),
            ])
    }

    @Test func payloadComesOutBeforeItsFrameIsComplete() throws {
        var decoder = WebSocketStreamDecoder(maxFrameSize: 1 << 20)
        let frame = WebSocketWire.clientFrame(
            opcode: 0x2, payload: Array(repeating: 0x41, count: 1000))
        var first = ByteBuffer(bytes: frame.prefix(500))
        guard case .binary(let piece)? = try decoder.next(from: &first) else {
            Issue.record("no payload from half a frame")
            return
        }
        #expect(piece.readableBytesView.allSatisfy { $0 == 0x41 })
        #expect(piece.readableBytes == 500 - 8)
    }

    @Test(arguments: [
        (
            WebSocketWire.clientFrame(opcode: 0x2, payload: [1], masked: false),
            Failure.unmaskedFrame
        ),
        (WebSocketWire.clientFrame(opcode: 0x2, payload: [1], rsv: 0b100), .reservedBits),
        (WebSocketWire.clientFrame(opcode: 0x3, payload: [1]), .unknownOpcode(3)),
        (WebSocketWire.clientFrame(opcode: 0xB, payload: []), .unknownOpcode(0xB)),
        (WebSocketWire.clientFrame(opcode: 0x9, fin: false, payload: []), .fragmentedControlFrame),
        (
            WebSocketWire.clientFrame(opcode: 0x9, payload: Array(repeating: 0, count: 126)),
            .controlFrameTooLong
        ),
        (WebSocketWire.clientFrame(opcode: 0x0, payload: [1]), .continuationWithoutMessage),
        (
            WebSocketWire.clientFrame(opcode: 0x2, fin: false, payload: [1])
                + WebSocketWire.clientFrame(opcode: 0x1, payload: [1]), .messageInterrupted
        ),
        (WebSocketWire.clientHeader(opcode: 0x2, length: 2049), .frameTooLarge),
        (WebSocketWire.clientHeader(opcode: 0x2, length: UInt64.max), .frameTooLarge),
        (
            WebSocketWire.clientFrame(opcode: 0x1, payload: Array(repeating: 0x61, count: 1025)),
            .textTooLarge
        ),
        (
            WebSocketWire.clientFrame(
                opcode: 0x1, fin: false, payload: Array(repeating: 0x61, count: 600))
                + WebSocketWire.clientFrame(
                    opcode: 0x0, payload: Array(repeating: 0x61, count: 600)),
            .textTooLarge
        ),
    ])
    func brokenFramingIsRefused(bytes: [UInt8], failure: Failure) {
        #expect(throws: failure) {
            _ = try Self.decode([bytes], maxFrameSize: 2048, maxTextSize: 1024)
        }
    }

    @Test func closeCodes() {
        #expect(Failure.frameTooLarge.closeCode == .messageTooLarge)
        #expect(Failure.textTooLarge.closeCode == .messageTooLarge)
        #expect(Failure.unmaskedFrame.closeCode == .protocolError)
    }
}

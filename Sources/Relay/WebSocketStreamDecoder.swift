import NIOCore
import NIOWebSocket

/// Reads what a WebSocket client sends as the bytes arrive, without waiting for whole frames:
/// binary payload comes out in pieces, unmasked, as soon as it is read, so the relay copies
/// each byte once and holds none of it back. Text messages (the ticket) and control frames are
/// small and come out whole.
///
/// A pure codec: bytes in, events out, no I/O. It enforces what RFC 6455 asks of a client's
/// frames (masked, no reserved bits without an extension, control frames unfragmented and at
/// most 125 bytes, continuations only inside a fragmented message) and the relay's limits.
struct WebSocketStreamDecoder {
    /// What the bytes said.
    enum Event: Equatable {
        /// Part of a binary message, unmasked; a message may come in any number of parts.
        case binary(ByteBuffer)
        /// A whole text message, unmasked.
        case text(ByteBuffer)
        /// A ping with its application data.
        case ping(ByteBuffer)
        /// A pong.
        case pong
        /// A close frame with its body (status code and reason, possibly empty).
        case close(ByteBuffer)
    }

    /// Why the stream cannot be read on; each has the close code the relay answers with.
    enum Failure: Error, Equatable {
        case unmaskedFrame
        case reservedBits
        case unknownOpcode(UInt8)
        case fragmentedControlFrame
        case controlFrameTooLong
        case continuationWithoutMessage
        case messageInterrupted
        case frameTooLarge
        case textTooLarge

        /// The close code for the peer: 1009 for size limits, 1002 for broken framing.
        var closeCode: WebSocketErrorCode {
            switch self {
            case .frameTooLarge, .textTooLarge: .messageTooLarge
            default: .protocolError
            }
        }
    }

    private enum Kind {
        case binary, text, ping, pong, close
    }

    /// The frame whose payload is being read.
    private struct Frame {
        var kind: Kind
        var fin: Bool
        var remaining: Int
        var key: WebSocketMaskingKey
        /// Payload bytes already read: where in the key the next byte starts.
        var offset = 0
    }

    /// Largest frame accepted (its payload length).
    let maxFrameSize: Int
    /// Largest text message accepted, all its fragments together.
    let maxTextSize: Int

    /// Header bytes read so far when a header spans reads (at most 14).
    private var header: [UInt8] = []
    private var frame: Frame?
    /// The kind of the fragmented data message in progress, if any.
    private var message: Kind?
    /// A text message being collected (control frames may come between its fragments).
    private var text = ByteBuffer()
    /// A control frame's body being collected.
    private var control = ByteBuffer()

    init(maxFrameSize: Int, maxTextSize: Int = 16 << 10) {
        self.maxFrameSize = maxFrameSize
        self.maxTextSize = maxTextSize
        header.reserveCapacity(14)
    }

    /// The next event from `input`, consuming what it reads, or nil when `input` holds no
    /// complete event any more (everything it held is then consumed and remembered).
    mutating func next(from input: inout ByteBuffer) throws -> Event? {
        while true {
            if frame == nil {
                guard try readHeader(from: &input) else { return nil }
            }
            let count = min(frame!.remaining, input.readableBytes)
            guard count > 0 || frame!.remaining == 0 else { return nil }
            let piece = unmask(input.readSlice(length: count)!)
            frame!.remaining -= count
            frame!.offset += count
            let done = frame!.remaining == 0
            let current = frame!
            if done { frame = nil }
            switch current.kind {
            case .binary:
                if count > 0 { return .binary(piece) }
            case .text:
                guard text.readableBytes + count <= maxTextSize else {
                    throw Failure.textTooLarge
                }
                text.writeImmutableBuffer(piece)
                if done, current.fin { return .text(Self.take(&text)) }
            case .ping, .pong, .close:
                control.writeImmutableBuffer(piece)
                guard done else { continue }
                let body = Self.take(&control)
                switch current.kind {
                case .ping: return .ping(body)
                case .pong: return .pong
                default: return .close(body)
                }
            }
        }
    }

    /// What `buffer` collected; it starts empty again.
    private static func take(_ buffer: inout ByteBuffer) -> ByteBuffer {
        defer { buffer = ByteBuffer() }
        return buffer
    }

    /// Reads one frame header into `frame`; false when `input` ran out first.
    private mutating func readHeader(from input: inout ByteBuffer) throws -> Bool {
        while header.count < Self.headerLength(header) {
            guard input.readableBytes > 0 else { return false }
            let take = min(Self.headerLength(header) - header.count, input.readableBytes)
            header.append(contentsOf: input.readableBytesView.prefix(take))
            input.moveReaderIndex(forwardBy: take)
        }
        defer { header.removeAll(keepingCapacity: true) }
        let fin = header[0] & 0x80 != 0
        guard header[0] & 0x70 == 0 else { throw Failure.reservedBits }
        guard header[1] & 0x80 != 0 else { throw Failure.unmaskedFrame }
        var length: UInt64 = UInt64(header[1] & 0x7F)
        var at = 2
        if length == 126 {
            length = UInt64(header[2]) << 8 | UInt64(header[3])
            at = 4
        } else if length == 127 {
            length = header[2..<10].reduce(0) { $0 << 8 | UInt64($1) }
            at = 10
        }
        let key = WebSocketMaskingKey(header[at..<at + 4])!
        let kind = try kind(opcode: header[0] & 0x0F, fin: fin, length: length)
        guard length <= UInt64(maxFrameSize) else { throw Failure.frameTooLarge }
        frame = Frame(kind: kind, fin: fin, remaining: Int(length), key: key)
        return true
    }

    /// What a frame with `opcode` is, given the message in progress; keeps that message's
    /// state up to date.
    private mutating func kind(opcode: UInt8, fin: Bool, length: UInt64) throws -> Kind {
        let kind: Kind
        switch opcode {
        case 0x0:
            guard let open = message else { throw Failure.continuationWithoutMessage }
            kind = open
        case 0x1, 0x2:
            guard message == nil else { throw Failure.messageInterrupted }
            kind = opcode == 0x1 ? .text : .binary
        case 0x8, 0x9, 0xA:
            guard fin else { throw Failure.fragmentedControlFrame }
            guard length <= 125 else { throw Failure.controlFrameTooLong }
            return opcode == 0x8 ? .close : opcode == 0x9 ? .ping : .pong
        default:
            throw Failure.unknownOpcode(opcode)
        }
        message = fin ? nil : kind
        return kind
    }

    /// Bytes the header has once its first `header.count` bytes are known.
    private static func headerLength(_ header: [UInt8]) -> Int {
        guard header.count >= 2 else { return 2 }
        let extended =
            switch header[1] & 0x7F {
            case 126: 2
            case 127: 8
            default: 0
            }
        // An unmasked frame is refused once its header is read; count no key for it.
        return 2 + extended + (header[1] & 0x80 != 0 ? 4 : 0)
    }

    /// The payload piece unmasked into a buffer of its own (one pass over each byte).
    private func unmask(_ piece: ByteBuffer) -> ByteBuffer {
        let count = piece.readableBytes
        guard count > 0, let frame else { return ByteBuffer() }
        var output = ByteBufferAllocator().buffer(capacity: count)
        output.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { destination in
            piece.withUnsafeReadableBytes { source in
                WebSocketUnmasking.xor(
                    source, into: destination, key: frame.key, startingAt: frame.offset)
            }
            return count
        }
        return output
    }
}

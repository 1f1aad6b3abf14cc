import NIOCore

/// Parses frames of the terminal channel from bytes that arrive in arbitrary pieces (a relay
/// re-frames the stream): fed the bytes received so far, it answers "need more data" or one
/// message, consuming that message's frame from the buffer.
///
/// A frame longer than `maximumFrameSize` is an error as soon as its header is read: the
/// decoder never waits for, nor reserves room for, more than the limit. After an error the
/// decoder stays failed (the connection is to be closed).
public struct TerminalFrameDecoder: Sendable {
    /// What one call of `decode` found.
    public enum Result: Sendable, Hashable {
        /// The buffer holds no complete frame yet; call again with more bytes.
        case needMoreData
        /// One message, whose frame was consumed.
        case message(TerminalMessage)
    }

    /// Why bytes are not a valid frame.
    public enum FrameError: Error, Sendable, Hashable {
        /// The length field exceeds the limit.
        case frameTooLarge(length: UInt32, maximum: Int)
        /// A length of 0: a frame without a type byte.
        case emptyFrame
        /// A type byte this version does not know.
        case unknownType(UInt8)
        /// The payload ended before a field of the message did.
        case truncated(TerminalMessageType)
        /// The payload is longer than the message.
        case trailingBytes(TerminalMessageType, count: Int)
        /// A string is not valid UTF-8.
        case invalidUTF8(TerminalMessageType)
        /// A field holds a value outside its range (named).
        case invalidValue(TerminalMessageType, field: String)
        /// `open` or `attach` of another protocol version (the rest of it is not parsed).
        case unsupportedVersion(UInt8)
        /// An earlier call already failed.
        case alreadyFailed
    }

    private enum State: Sendable {
        case waitingForHeader
        /// The header was read; `length` bytes of payload (type byte excluded) are awaited.
        case waitingForPayload(type: TerminalMessageType, length: Int)
        case failed
    }

    /// The largest frame body (type byte and payload) accepted.
    public let maximumFrameSize: Int
    private var state = State.waitingForHeader

    /// A decoder refusing frames longer than `maximumFrameSize` (at least
    /// `TerminalProtocol.minimumFrameSize`).
    public init(maximumFrameSize: Int = TerminalProtocol.defaultMaximumFrameSize) {
        self.maximumFrameSize = max(TerminalProtocol.minimumFrameSize, maximumFrameSize)
    }

    /// Decodes at most one message from the front of `buffer`.
    public mutating func decode(_ buffer: inout ByteBuffer) throws(FrameError) -> Result {
        do throws(FrameError) {
            while true {
                switch state {
                case .failed:
                    throw FrameError.alreadyFailed
                case .waitingForHeader:
                    guard buffer.readableBytes >= 5,
                        let length: UInt32 = buffer.getInteger(at: buffer.readerIndex),
                        let typeByte: UInt8 = buffer.getInteger(at: buffer.readerIndex + 4)
                    else { return .needMoreData }
                    guard length >= 1 else { throw FrameError.emptyFrame }
                    guard length <= maximumFrameSize else {
                        throw FrameError.frameTooLarge(length: length, maximum: maximumFrameSize)
                    }
                    guard let type = TerminalMessageType(rawValue: typeByte) else {
                        throw FrameError.unknownType(typeByte)
                    }
                    buffer.moveReaderIndex(forwardBy: 5)
                    state = .waitingForPayload(type: type, length: Int(length) - 1)
                case .waitingForPayload(let type, let length):
                    guard let payload = buffer.readSlice(length: length) else {
                        return .needMoreData
                    }
                    state = .waitingForHeader
                    var reader = TerminalPayloadReader(type: type, buffer: payload)
                    let message = try reader.readMessage()
                    guard reader.buffer.readableBytes == 0 else {
                        throw FrameError.trailingBytes(type, count: reader.buffer.readableBytes)
                    }
                    return .message(message)
                }
            }
        } catch {
            state = .failed
            throw error
        }
    }
}

/// The thin NIO wrapper of `TerminalFrameDecoder`, for `ByteToMessageHandler` or
/// `NIOSingleStepByteToMessageProcessor`.
public struct TerminalMessageDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = TerminalMessage

    private var parser: TerminalFrameDecoder

    /// A decoder refusing frames longer than `maximumFrameSize`.
    public init(maximumFrameSize: Int = TerminalProtocol.defaultMaximumFrameSize) {
        parser = TerminalFrameDecoder(maximumFrameSize: maximumFrameSize)
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> TerminalMessage? {
        switch try parser.decode(&buffer) {
        case .needMoreData: return nil
        case .message(let message): return message
        }
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> TerminalMessage?
    {
        // A partial frame at the end of the stream is dropped: the peer went away mid-frame,
        // which the connection's end already reports.
        try decode(buffer: &buffer)
    }
}

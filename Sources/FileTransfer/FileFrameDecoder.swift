import NIOCore

/// Parses frames of the files channel from bytes that arrive in arbitrary pieces (a relay
/// re-frames the stream): fed the bytes received so far, it answers "need more data" or one
/// message, consuming that message's frame from the buffer.
///
/// A frame longer than `maximumFrameLength` is an error as soon as its header is read: the
/// decoder never waits for, nor reserves room for, more than the limit. After an error the
/// decoder stays failed (the connection is to be closed).
public struct FileFrameDecoder: Sendable {
    /// What one call of `decode` found.
    public enum Result: Sendable, Hashable {
        /// The buffer holds no complete frame yet; call again with more bytes.
        case needMoreData
        /// One message, whose frame was consumed.
        case message(FileMessage)
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
        case truncated(type: UInt8)
        /// The payload is longer than the message.
        case trailingBytes(type: UInt8, count: Int)
        /// A string is not valid UTF-8.
        case invalidUTF8(type: UInt8)
        /// A field holds a value outside its range (named).
        case invalidValue(type: UInt8, field: String)
        /// An earlier call already failed.
        case alreadyFailed
    }

    private enum State: Sendable {
        case waitingForHeader
        /// The header was read; `length` bytes of payload (type byte excluded) are awaited.
        case waitingForPayload(type: FileMessageType, length: Int)
        case failed
    }

    /// The largest frame body (type byte and payload) accepted.
    public let maximumFrameLength: Int
    private var state = State.waitingForHeader

    /// A decoder refusing frames longer than `maximumFrameLength` (at least 64 bytes).
    public init(maximumFrameLength: Int = FileProtocolLimits.defaultMaximumFrameLength) {
        self.maximumFrameLength = max(64, maximumFrameLength)
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
                    guard length <= maximumFrameLength else {
                        throw FrameError.frameTooLarge(length: length, maximum: maximumFrameLength)
                    }
                    guard let type = FileMessageType(rawValue: typeByte) else {
                        throw FrameError.unknownType(typeByte)
                    }
                    buffer.moveReaderIndex(forwardBy: 5)
                    state = .waitingForPayload(type: type, length: Int(length) - 1)
                case .waitingForPayload(let type, let length):
                    guard var payload = buffer.readSlice(length: length) else {
                        return .needMoreData
                    }
                    state = .waitingForHeader
                    var reader = FilePayloadReader(type: type, buffer: payload)
                    let message = try reader.readMessage()
                    payload = reader.buffer
                    guard payload.readableBytes == 0 else {
                        throw FrameError.trailingBytes(
                            type: type.rawValue, count: payload.readableBytes)
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

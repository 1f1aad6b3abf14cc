import NIOCore

/// `FileFrameDecoder` as a NIO `ByteToMessageDecoder`, so that a pipeline turns the relay's
/// byte stream into `FileMessage`s (and NIO keeps the partial-frame buffer compact).
struct FileMessageDecoding: ByteToMessageDecoder {
    typealias InboundOut = FileMessage

    private var decoder: FileFrameDecoder

    init(maximumFrameLength: Int = FileProtocolLimits.defaultMaximumFrameLength) {
        decoder = FileFrameDecoder(maximumFrameLength: maximumFrameLength)
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws
        -> DecodingState
    {
        switch try decoder.decode(&buffer) {
        case .needMoreData:
            return .needMoreData
        case .message(let message):
            context.fireChannelRead(NIOAny(message))
            return .continue
        }
    }

    mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    )
        throws -> DecodingState
    {
        // A frame cut by the close is dropped: the transfers see the close and keep what was
        // written for a resume.
        while case .continue = try decode(context: context, buffer: &buffer) {}
        return .needMoreData
    }
}

extension FileFrameDecoder.FrameError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .frameTooLarge(let length, let maximum):
            "a frame of \(length) bytes is over the limit of \(maximum)"
        case .emptyFrame: "a frame without a type"
        case .unknownType(let type): "unknown frame type \(type)"
        case .truncated(let type): "frame type \(type) ends before its fields do"
        case .trailingBytes(let type, let count): "frame type \(type) has \(count) bytes too many"
        case .invalidUTF8(let type): "frame type \(type) holds a string that is not UTF-8"
        case .invalidValue(let type, let field): "frame type \(type) has an invalid \(field)"
        case .alreadyFailed: "the stream already failed"
        }
    }
}

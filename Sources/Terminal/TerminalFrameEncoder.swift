import NIOCore

/// Writes `TerminalMessage`s as frames: a u32 big-endian length of what follows (type byte and
/// payload), the type byte, the payload. Pure: no I/O, no state.
public struct TerminalFrameEncoder: Sendable {
    /// An encoder.
    public init() {}

    /// Appends the frame of `message` to `buffer`.
    ///
    /// Strings longer than 65,535 UTF-8 bytes cannot be framed and are cut at a character
    /// boundary. Only failure messages can be that long in practice; an `open` is checked with
    /// `TerminalOpenRequest.validationProblem` before it is sent, so its command is never cut.
    /// Input and output are not split here: senders chunk them (`TerminalProtocol.maximumChunk`).
    public func encode(_ message: TerminalMessage, into buffer: inout ByteBuffer) {
        let start = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        buffer.writeInteger(message.type.rawValue)
        writePayload(message, into: &buffer)
        let length = buffer.writerIndex - start - 4
        buffer.setInteger(UInt32(length), at: start)
    }

    /// The frame of `message` in a new buffer.
    public func encode(_ message: TerminalMessage, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 16 + message.payloadSizeHint)
        encode(message, into: &buffer)
        return buffer
    }

    private func writePayload(_ message: TerminalMessage, into buffer: inout ByteBuffer) {
        switch message {
        case .open(let request):
            buffer.writeInteger(TerminalProtocol.version)
            buffer.writeSize(request.size)
            let command = request.command.prefix(TerminalProtocol.maximumArguments)
            buffer.writeInteger(UInt16(command.count))
            for argument in command { buffer.writeTerminalString(argument) }
            // Sorted, so that equal requests are equal bytes (tests, logs, fuzz corpora).
            let environment = request.environment.sorted { $0.key < $1.key }
                .prefix(TerminalProtocol.maximumEnvironment)
            buffer.writeInteger(UInt16(environment.count))
            for (name, value) in environment {
                buffer.writeTerminalString(name)
                buffer.writeTerminalString(value)
            }
        case .attach(let token):
            buffer.writeInteger(TerminalProtocol.version)
            buffer.writeBytes(token.bytes)
        case .opened(let token, let replay):
            buffer.writeInteger(UInt8(token.bytes.count))
            buffer.writeBytes(token.bytes)
            buffer.writeImmutableBuffer(replay)
        case .input(let bytes), .output(let bytes):
            buffer.writeImmutableBuffer(bytes)
        case .resize(let size):
            buffer.writeSize(size)
        case .exited(let status):
            switch status {
            case .exited(let code):
                buffer.writeInteger(UInt8(0))
                buffer.writeInteger(UInt32(truncatingIfNeeded: code))
            case .signaled(let signal):
                buffer.writeInteger(UInt8(1))
                buffer.writeInteger(UInt32(truncatingIfNeeded: signal))
            }
        case .failure(let error):
            buffer.writeTerminalString(error.code.rawValue)
            buffer.writeTerminalString(error.message)
        }
    }
}

/// The thin NIO wrapper of `TerminalFrameEncoder`, for `MessageToByteHandler`.
public struct TerminalMessageEncoder: MessageToByteEncoder {
    public typealias OutboundIn = TerminalMessage

    private let encoder = TerminalFrameEncoder()

    /// An encoder.
    public init() {}

    public func encode(data: TerminalMessage, out: inout ByteBuffer) throws {
        encoder.encode(data, into: &out)
    }
}

extension TerminalOpenRequest {
    /// Why this request cannot be sent as it is (nil when it can): a field the wire format
    /// cannot carry, or one the agent would refuse. Checked before sending, because cutting a
    /// command argument would run another command.
    public var validationProblem: String? {
        if command.count > TerminalProtocol.maximumArguments {
            return "more than \(TerminalProtocol.maximumArguments) command arguments"
        }
        if environment.count > TerminalProtocol.maximumEnvironment {
            return "more than \(TerminalProtocol.maximumEnvironment) environment variables"
        }
        for argument in command {
            if argument.utf8.count > Int(UInt16.max) { return "a command argument over 64 KiB" }
            if argument.utf8.contains(0) { return "a command argument holds a NUL byte" }
        }
        for (name, value) in environment {
            if !TerminalPayloadReader.isValidVariableName(name) || name.utf8.count > Int(UInt16.max)
            {
                return "an invalid environment variable name"
            }
            if value.utf8.count > Int(UInt16.max) { return "an environment value over 64 KiB" }
            if value.utf8.contains(0) { return "an environment value holds a NUL byte" }
        }
        return nil
    }
}

extension TerminalMessage {
    /// Roughly the payload's size, to allocate a frame's buffer once.
    fileprivate var payloadSizeHint: Int {
        switch self {
        case .open(let request):
            request.command.reduce(8) { $0 + 2 + $1.utf8.count }
                + request.environment.reduce(0) { $0 + 4 + $1.key.utf8.count + $1.value.utf8.count }
        case .attach(let token): 1 + token.bytes.count
        case .opened(let token, let replay): 1 + token.bytes.count + replay.readableBytes
        case .input(let bytes), .output(let bytes): bytes.readableBytes
        case .resize: 4
        case .exited: 5
        case .failure(let error): 4 + error.code.rawValue.utf8.count + error.message.utf8.count
        }
    }
}

extension ByteBuffer {
    fileprivate mutating func writeSize(_ size: TerminalSize) {
        writeInteger(size.columns)
        writeInteger(size.rows)
    }

    /// A u16 big-endian length and the UTF-8 bytes, cut at a character boundary to fit.
    fileprivate mutating func writeTerminalString(_ string: String) {
        var utf8 = Substring(string).utf8
        if utf8.count > Int(UInt16.max) {
            var end = utf8.index(utf8.startIndex, offsetBy: Int(UInt16.max))
            // Back off continuation bytes (10xxxxxx) so the cut lands between characters.
            while end > utf8.startIndex && utf8[end] & 0xC0 == 0x80 {
                end = utf8.index(before: end)
            }
            utf8 = utf8[..<end]
        }
        writeInteger(UInt16(utf8.count))
        writeBytes(utf8)
    }
}

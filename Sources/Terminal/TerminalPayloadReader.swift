import NIOCore

/// Reads the payload of one frame into a message. Every read is checked: a short payload is
/// `truncated`, never a trap.
struct TerminalPayloadReader {
    typealias FrameError = TerminalFrameDecoder.FrameError

    let type: TerminalMessageType
    var buffer: ByteBuffer

    mutating func readMessage() throws(FrameError) -> TerminalMessage {
        switch type {
        case .open:
            try readVersion()
            let size = try readSize()
            let argumentCount = Int(try read(UInt16.self))
            guard argumentCount <= TerminalProtocol.maximumArguments else {
                throw FrameError.invalidValue(type, field: "argc")
            }
            var command: [String] = []
            for _ in 0..<argumentCount {
                let argument = try readString()
                // A C string cannot hold NUL: the argument would be cut silently.
                guard !argument.utf8.contains(0) else {
                    throw FrameError.invalidValue(type, field: "argument")
                }
                command.append(argument)
            }
            let variableCount = Int(try read(UInt16.self))
            guard variableCount <= TerminalProtocol.maximumEnvironment else {
                throw FrameError.invalidValue(type, field: "envc")
            }
            var environment: [String: String] = [:]
            for _ in 0..<variableCount {
                let name = try readString()
                let value = try readString()
                guard Self.isValidVariableName(name) else {
                    throw FrameError.invalidValue(type, field: "environment name")
                }
                guard !value.utf8.contains(0) else {
                    throw FrameError.invalidValue(type, field: "environment value")
                }
                guard environment.updateValue(value, forKey: name) == nil else {
                    throw FrameError.invalidValue(type, field: "environment name (repeated)")
                }
            }
            return .open(
                TerminalOpenRequest(size: size, command: command, environment: environment))
        case .attach:
            try readVersion()
            return .attach(try readToken(count: buffer.readableBytes))
        case .opened:
            let count = Int(try read(UInt8.self))
            let token = try readToken(count: count)
            return .opened(token: token, replay: readRest())
        case .input:
            return .input(readRest())
        case .output:
            return .output(readRest())
        case .resize:
            return .resize(try readSize())
        case .exited:
            let kind = try read(UInt8.self)
            let value = try read(UInt32.self)
            switch kind {
            case 0 where value <= 255: return .exited(.exited(Int32(value)))
            case 1 where (1...127).contains(value): return .exited(.signaled(Int32(value)))
            default: throw FrameError.invalidValue(type, field: "exit status")
            }
        case .failure:
            let codeText = try readString()
            guard let code = TerminalError.Code(rawValue: codeText) else {
                throw FrameError.invalidValue(type, field: "code")
            }
            return .failure(TerminalError(code, try readString()))
        }
    }

    /// A name `NAME=value` can carry: not empty, no `=`, no NUL.
    static func isValidVariableName(_ name: String) -> Bool {
        !name.isEmpty && !name.utf8.contains(UInt8(ascii: "=")) && !name.utf8.contains(0)
    }

    private mutating func readVersion() throws(FrameError) {
        let version = try read(UInt8.self)
        guard version == TerminalProtocol.version else {
            throw FrameError.unsupportedVersion(version)
        }
    }

    private mutating func readSize() throws(FrameError) -> TerminalSize {
        let columns = try read(UInt16.self)
        let rows = try read(UInt16.self)
        return TerminalSize(columns: columns, rows: rows)
    }

    private mutating func readToken(count: Int) throws(FrameError) -> TerminalToken {
        guard let bytes = buffer.readBytes(length: count) else { throw FrameError.truncated(type) }
        guard let token = TerminalToken(bytes: bytes) else {
            throw FrameError.invalidValue(type, field: "token length")
        }
        return token
    }

    private mutating func read<T: FixedWidthInteger>(_: T.Type) throws(FrameError) -> T {
        guard let value = buffer.readInteger(as: T.self) else { throw FrameError.truncated(type) }
        return value
    }

    /// A u16 big-endian length and that many bytes of UTF-8.
    private mutating func readString() throws(FrameError) -> String {
        let length = Int(try read(UInt16.self))
        guard let bytes = buffer.readSlice(length: length) else { throw FrameError.truncated(type) }
        // `getString` repairs invalid UTF-8 with U+FFFD; only a byte-exact decoding is valid.
        guard let string = bytes.getString(at: bytes.readerIndex, length: length),
            string.utf8.elementsEqual(bytes.readableBytesView)
        else { throw FrameError.invalidUTF8(type) }
        return string
    }

    private mutating func readRest() -> ByteBuffer {
        buffer.readSlice(length: buffer.readableBytes) ?? ByteBuffer()
    }
}

import NIOCore

/// Reads the fields of one frame's payload, each read failing with a typed error instead of
/// returning an optional, so that `readMessage` reads like the table in PROTOCOL.md.
struct FilePayloadReader {
    typealias FrameError = FileFrameDecoder.FrameError

    let type: FileMessageType
    var buffer: ByteBuffer

    mutating func readMessage() throws(FrameError) -> FileMessage {
        switch type {
        case .hello:
            return .hello(version: try integer())
        case .list:
            return .list(requestID: try integer(), path: try string())
        case .stat:
            return .stat(requestID: try integer(), path: try string())
        case .makeFolder:
            return .makeFolder(requestID: try integer(), path: try string())
        case .rename:
            return .rename(requestID: try integer(), from: try string(), to: try string())
        case .delete:
            return .delete(
                requestID: try integer(), path: try string(), recursive: try bool("recursive"))
        case .openRead:
            let id: UInt32 = try integer()
            let path = try string()
            let offset: UInt64 = try integer()
            let prefix = try bool("hasPrefix") ? try digest() : nil
            guard prefix != nil || offset == 0 else {
                throw .invalidValue(type: type.rawValue, field: "offset")
            }
            return .openRead(requestID: id, path: path, offset: offset, prefixSHA256: prefix)
        case .openWrite:
            let id: UInt32 = try integer()
            let path = try string()
            let size: UInt64 = try integer()
            let mode: UInt32 = try integer()
            let modified = try timestamp()
            guard let policy = WritePolicy(rawValue: try integer()) else {
                throw .invalidValue(type: type.rawValue, field: "policy")
            }
            return .openWrite(
                requestID: id, path: path, size: size, mode: mode, modified: modified,
                policy: policy)
        case .entries:
            let id: UInt32 = try integer()
            let more = try bool("more")
            let count: UInt32 = try integer()
            // Each entry takes at least 27 bytes: a count the payload cannot hold is refused
            // before anything is reserved for it.
            guard Int(count) <= buffer.readableBytes / 27 else {
                throw .truncated(type: type.rawValue)
            }
            var entries: [FileEntry] = []
            entries.reserveCapacity(Int(count))
            for _ in 0..<count { entries.append(try entry()) }
            return .entries(requestID: id, entries: entries, more: more)
        case .statReply:
            return .statReply(requestID: try integer(), entry: try entry())
        case .ok:
            return .ok(requestID: try integer())
        case .failure:
            return .failure(requestID: try integer(), error: try error())
        case .readOpened:
            let id: UInt32 = try integer()
            let transfer: UInt32 = try integer()
            let size: UInt64 = try integer()
            let start: UInt64 = try integer()
            guard start <= size else {
                throw .invalidValue(type: type.rawValue, field: "startOffset")
            }
            return .readOpened(
                requestID: id, transferID: transfer, size: size, startOffset: start,
                mode: try integer(), modified: try timestamp())
        case .writeOpened:
            return .writeOpened(
                requestID: try integer(), transferID: try integer(), offset: try integer())
        case .skipped:
            return .skipped(requestID: try integer())
        case .data:
            let transfer: UInt32 = try integer()
            let bytes = buffer.readSlice(length: buffer.readableBytes) ?? ByteBuffer()
            return .data(transferID: transfer, bytes: bytes)
        case .ack:
            return .ack(transferID: try integer(), offset: try integer())
        case .finish:
            return .finish(transferID: try integer(), sha256: try digest())
        case .done:
            return .done(transferID: try integer(), sha256: try digest())
        case .cancel:
            return .cancel(transferID: try integer())
        case .transferFailed:
            return .transferFailed(transferID: try integer(), error: try error())
        }
    }

    private mutating func integer<T: FixedWidthInteger>() throws(FrameError) -> T {
        guard let value: T = buffer.readInteger() else { throw .truncated(type: type.rawValue) }
        return value
    }

    private mutating func bool(_ field: String) throws(FrameError) -> Bool {
        switch try integer() as UInt8 {
        case 0: return false
        case 1: return true
        default: throw .invalidValue(type: type.rawValue, field: field)
        }
    }

    private mutating func string() throws(FrameError) -> String {
        let length: UInt16 = try integer()
        guard let bytes = buffer.readSlice(length: Int(length)) else {
            throw .truncated(type: type.rawValue)
        }
        guard let text = String(validating: bytes.readableBytesView, as: UTF8.self) else {
            throw .invalidUTF8(type: type.rawValue)
        }
        return text
    }

    private mutating func digest() throws(FrameError) -> FileDigest {
        guard let bytes = buffer.readBytes(length: 32), let digest = FileDigest(bytes: bytes) else {
            throw .truncated(type: type.rawValue)
        }
        return digest
    }

    private mutating func timestamp() throws(FrameError) -> FileTimestamp {
        let seconds: Int64 = try integer()
        let nanoseconds: UInt32 = try integer()
        guard nanoseconds < 1_000_000_000 else {
            throw .invalidValue(type: type.rawValue, field: "nanoseconds")
        }
        return FileTimestamp(seconds: seconds, nanoseconds: nanoseconds)
    }

    private mutating func entry() throws(FrameError) -> FileEntry {
        let name = try string()
        guard let kind = FileKind(rawValue: try integer()) else {
            throw .invalidValue(type: type.rawValue, field: "kind")
        }
        return FileEntry(
            name: name, kind: kind, size: try integer(), mode: try integer(),
            modified: try timestamp())
    }

    private mutating func error() throws(FrameError) -> FileError {
        guard let code = FileError.Code(rawValue: try string()) else {
            throw .invalidValue(type: type.rawValue, field: "code")
        }
        return FileError(code, try string())
    }
}

import NIOCore

/// Writes `FileMessage`s as frames: a u32 big-endian length of what follows (type byte and
/// payload), the type byte, the payload. Pure: no I/O, no state.
public struct FileFrameEncoder: Sendable {
    /// An encoder.
    public init() {}

    /// Appends the frame of `message` to `buffer`.
    ///
    /// Strings longer than 65,535 UTF-8 bytes cannot be framed and are cut (at a character
    /// boundary); callers check paths against `FileProtocolLimits.maximumPathLength` first, so
    /// only a misuse reaches the cut. Failure messages are cut to
    /// `FileProtocolLimits.maximumMessageLength`.
    public func encode(_ message: FileMessage, into buffer: inout ByteBuffer) {
        let start = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        buffer.writeInteger(message.type.rawValue)
        writePayload(message, into: &buffer)
        let length = buffer.writerIndex - start - 4
        buffer.setInteger(UInt32(length), at: start)
    }

    /// The frame of `message` in a new buffer.
    public func encode(_ message: FileMessage, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 64)
        encode(message, into: &buffer)
        return buffer
    }

    /// The header of a `data` frame carrying `count` bytes, so that a sender can write the
    /// file bytes as a second buffer instead of copying them into the frame.
    public func encodeDataHeader(transferID: UInt32, count: Int, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt32(1 + 4 + count))
        buffer.writeInteger(FileMessageType.data.rawValue)
        buffer.writeInteger(transferID)
    }

    private func writePayload(_ message: FileMessage, into buffer: inout ByteBuffer) {
        switch message {
        case .hello(let version):
            buffer.writeInteger(version)
        case .list(let id, let path), .stat(let id, let path), .makeFolder(let id, let path):
            buffer.writeInteger(id)
            buffer.writeFileString(path)
        case .rename(let id, let from, let to):
            buffer.writeInteger(id)
            buffer.writeFileString(from)
            buffer.writeFileString(to)
        case .delete(let id, let path, let recursive):
            buffer.writeInteger(id)
            buffer.writeFileString(path)
            buffer.writeInteger(UInt8(recursive ? 1 : 0))
        case .openRead(let id, let path, let offset, let prefix):
            buffer.writeInteger(id)
            buffer.writeFileString(path)
            buffer.writeInteger(offset)
            if let prefix {
                buffer.writeInteger(UInt8(1))
                buffer.writeBytes(prefix.bytes)
            } else {
                buffer.writeInteger(UInt8(0))
            }
        case .openWrite(let id, let path, let size, let mode, let modified, let policy):
            buffer.writeInteger(id)
            buffer.writeFileString(path)
            buffer.writeInteger(size)
            buffer.writeInteger(mode)
            buffer.writeTimestamp(modified)
            buffer.writeInteger(policy.rawValue)
        case .entries(let id, let entries, let more):
            buffer.writeInteger(id)
            buffer.writeInteger(UInt8(more ? 1 : 0))
            buffer.writeInteger(UInt32(entries.count))
            for entry in entries { buffer.writeEntry(entry) }
        case .statReply(let id, let entry):
            buffer.writeInteger(id)
            buffer.writeEntry(entry)
        case .ok(let id), .skipped(let id):
            buffer.writeInteger(id)
        case .failure(let id, let error):
            buffer.writeInteger(id)
            buffer.writeError(error)
        case .readOpened(let id, let transfer, let size, let start, let mode, let modified):
            buffer.writeInteger(id)
            buffer.writeInteger(transfer)
            buffer.writeInteger(size)
            buffer.writeInteger(start)
            buffer.writeInteger(mode)
            buffer.writeTimestamp(modified)
        case .writeOpened(let id, let transfer, let offset):
            buffer.writeInteger(id)
            buffer.writeInteger(transfer)
            buffer.writeInteger(offset)
        case .data(let transfer, let bytes):
            buffer.writeInteger(transfer)
            buffer.writeImmutableBuffer(bytes)
        case .ack(let transfer, let offset):
            buffer.writeInteger(transfer)
            buffer.writeInteger(offset)
        case .finish(let transfer, let digest), .done(let transfer, let digest):
            buffer.writeInteger(transfer)
            buffer.writeBytes(digest.bytes)
        case .cancel(let transfer):
            buffer.writeInteger(transfer)
        case .transferFailed(let transfer, let error):
            buffer.writeInteger(transfer)
            buffer.writeError(error)
        }
    }
}

extension ByteBuffer {
    /// A u16 length and UTF-8 bytes, cut at a character boundary to `limit` bytes.
    mutating func writeFileString(_ string: String, limit: Int = Int(UInt16.max)) {
        var utf8 = Substring(string).utf8
        if utf8.count > limit {
            var end = utf8.index(utf8.startIndex, offsetBy: limit)
            // Back off continuation bytes (10xxxxxx) so the cut lands between characters.
            while end > utf8.startIndex && utf8[end] & 0xC0 == 0x80 {
                end = utf8.index(before: end)
            }
            utf8 = utf8[..<end]
        }
        writeInteger(UInt16(utf8.count))
        writeBytes(utf8)
    }

    mutating func writeTimestamp(_ time: FileTimestamp) {
        writeInteger(time.seconds)
        writeInteger(time.nanoseconds)
    }

    mutating func writeEntry(_ entry: FileEntry) {
        writeFileString(entry.name)
        writeInteger(entry.kind.rawValue)
        writeInteger(entry.size)
        writeInteger(entry.mode)
        writeTimestamp(entry.modified)
    }

    mutating func writeError(_ error: FileError) {
        writeFileString(error.code.rawValue)
        writeFileString(error.message, limit: FileProtocolLimits.maximumMessageLength)
    }
}

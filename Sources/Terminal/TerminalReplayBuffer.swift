import NIOCore

/// The last `limit` bytes a terminal printed, for a client that attaches to redraw the screen
/// from (a full-screen program's last redraws, a shell's last lines).
///
/// Appending is amortised O(1): old bytes are skipped by moving the reader index, and the
/// storage is compacted only once as many bytes were dropped as are kept.
struct TerminalReplayBuffer: Sendable {
    /// The most bytes kept.
    let limit: Int
    private var buffer: ByteBuffer
    /// True once bytes were dropped: the contents may start inside a character.
    private var wasCut = false

    init(limit: Int, allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        self.limit = max(0, limit)
        buffer = allocator.buffer(capacity: min(self.limit, 4096))
    }

    /// Appends `bytes`, dropping the oldest bytes beyond the limit.
    mutating func append(_ bytes: ByteBuffer) {
        guard limit > 0 else { return }
        var bytes = bytes
        if bytes.readableBytes >= limit {
            bytes.moveReaderIndex(forwardBy: bytes.readableBytes - limit)
            wasCut = wasCut || buffer.readableBytes > 0 || bytes.readerIndex > 0
            buffer.clear()
        }
        buffer.writeBuffer(&bytes)
        let excess = buffer.readableBytes - limit
        if excess > 0 {
            buffer.moveReaderIndex(forwardBy: excess)
            wasCut = true
        }
        if buffer.readerIndex >= limit { buffer.discardReadBytes() }
    }

    /// The bytes kept, oldest first. When old bytes were dropped, UTF-8 continuation bytes at
    /// the front are skipped, so that the replay does not begin with half a character.
    var contents: ByteBuffer {
        var contents = buffer
        if wasCut {
            var skipped = 0
            while skipped < 3, let byte: UInt8 = contents.getInteger(at: contents.readerIndex),
                byte & 0xC0 == 0x80
            {
                contents.moveReaderIndex(forwardBy: 1)
                skipped += 1
            }
        }
        return contents
    }

    /// How many bytes are kept.
    var count: Int { buffer.readableBytes }
}

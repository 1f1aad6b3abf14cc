import CZlib

/// One persistent deflate stream, as Tight keeps four per viewer: the dictionary carries
/// over from rectangle to rectangle, and each rectangle ends with `Z_SYNC_FLUSH` so the
/// viewer can inflate it at once.
///
/// A class because zlib keeps a pointer back to its `z_stream`: the stream must not move.
/// Not thread-safe; one viewer's encoder owns it.
final class ZlibStream {
    private let stream: UnsafeMutablePointer<z_stream>
    private var level: Int32
    private var output: UnsafeMutablePointer<UInt8>
    private var capacity: Int

    /// A stream compressing at zlib `level` (0–9).
    init(level: Int32) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        self.level = level
        let status = deflateInit_(stream, level, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "deflateInit failed: \(status)")
        capacity = 64 * 1024
        output = .allocate(capacity: capacity)
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        output.deallocate()
    }

    /// Compresses `input` at `level` and sync-flushes; the result stays valid until the next
    /// call on this stream.
    func compress(_ input: UnsafeRawBufferPointer, level newLevel: Int32) -> UnsafeRawBufferPointer
    {
        // Stored blocks cost 5 bytes per 16 KB plus the flush marker; add slack for that.
        let bound = input.count + input.count / 8 + 1024
        if bound > capacity {
            output.deallocate()
            capacity = bound
            output = .allocate(capacity: capacity)
        }
        stream.pointee.next_out = output
        stream.pointee.avail_out = UInt32(capacity)
        if newLevel != level {
            // deflateParams may flush pending input into `next_out`, so it is set first.
            _ = deflateParams(stream, newLevel, Z_DEFAULT_STRATEGY)
            level = newLevel
        }
        stream.pointee.next_in = UnsafeMutablePointer(
            mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.pointee.avail_in = UInt32(input.count)
        while true {
            let status = deflate(stream, Z_SYNC_FLUSH)
            precondition(status == Z_OK || status == Z_BUF_ERROR, "deflate failed: \(status)")
            if stream.pointee.avail_out != 0 { break }
            grow()
        }
        let produced = capacity - Int(stream.pointee.avail_out)
        return UnsafeRawBufferPointer(start: output, count: produced)
    }

    /// Doubles the output buffer, keeping what was written, and points zlib at the rest.
    private func grow() {
        let used = capacity
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
        bigger.update(from: output, count: used)
        output.deallocate()
        output = bigger
        capacity *= 2
        stream.pointee.next_out = output + used
        stream.pointee.avail_out = UInt32(capacity - used)
    }
}

import NIOCore

/// The end of what a command line already printed of a terminal, to continue without
/// repeating after a reattach: `opened` then carries the terminal's recent output (the
/// replay), most of which the command line printed before its connection dropped.
///
/// The replay and the printed output are both parts of one stream (the terminal's whole
/// output), so the part of the replay not yet printed follows the last place where the
/// printed tail occurs in it. A tail of up to `length` bytes makes a false match unlikely
/// (it needs that many identical bytes elsewhere at the end of the replay); when the tail is
/// not found whole, the replay may begin inside it (then it continues after the tail's end), or
/// more was missed than the replay holds, and all of it is new.
public struct PrintedOutputTail: Sendable, Hashable {
    /// How many of the last printed bytes are kept.
    public let length: Int
    private var bytes: [UInt8] = []

    /// An empty tail keeping up to `length` bytes (at least 1).
    public init(length: Int = 1024) {
        self.length = max(1, length)
    }

    /// Notes that `printed` was printed.
    public mutating func append(_ printed: ByteBuffer) {
        append(printed.readableBytesView)
    }

    /// Notes that `printed` was printed.
    public mutating func append<Bytes: Collection<UInt8>>(_ printed: Bytes) {
        bytes.append(contentsOf: printed.suffix(length))
        if bytes.count > length { bytes.removeFirst(bytes.count - length) }
    }

    /// The part of `replay` that follows what was printed (all of it when nothing was, or
    /// when the printed tail is not in it).
    public func unseen(in replay: ByteBuffer) -> ByteBuffer {
        guard !bytes.isEmpty else { return replay }
        let view = Array(replay.readableBytesView)
        // From the end: the last occurrence is the one the live output continues after.
        var start = view.count - bytes.count
        while start >= 0, !bytes.isEmpty {
            if view[start] == bytes[0], view[start..<(start + bytes.count)].elementsEqual(bytes) {
                return replay.getSlice(
                    at: replay.readerIndex + start + bytes.count,
                    length: view.count - start - bytes.count) ?? ByteBuffer()
            }
            start -= 1
        }
        // The replay may begin inside the tail (more was missed than the replay's room less
        // the tail): then its start is the tail's end. Overlaps shorter than
        // `minimumOverlap` match by chance too often to trust.
        var overlap = min(bytes.count, view.count) - 1
        while overlap >= Self.minimumOverlap {
            if view[0..<overlap].elementsEqual(bytes[(bytes.count - overlap)...]) {
                return replay.getSlice(
                    at: replay.readerIndex + overlap, length: view.count - overlap) ?? ByteBuffer()
            }
            overlap -= 1
        }
        return replay
    }

    /// The shortest overlap of the replay's start with the tail's end that counts.
    static let minimumOverlap = 32
}

/// The receiving end of one transfer, without I/O: checks that data and `finish` arrive in
/// an order and amount the protocol allows, and decides when to acknowledge and when the
/// whole file can be verified.
struct ReceiverStateMachine {
    /// What follows a completed write.
    struct AfterWrite: Equatable {
        /// Send `ack` with this offset.
        var acknowledge: UInt64?
        /// Everything is written and `finish` came: verify against this digest.
        var verify: FileDigest?
    }

    let size: UInt64
    let acknowledgementInterval: UInt64
    /// Data before this offset arrived (written or queued).
    private(set) var receivedOffset: UInt64
    /// Data before this offset is written.
    private(set) var writtenOffset: UInt64
    private var acknowledgedOffset: UInt64
    /// The sender's digest, once `finish` came.
    private(set) var expectedDigest: FileDigest?

    /// A receiver of `size` bytes whose first `startOffset` are already in place.
    init(
        size: UInt64, startOffset: UInt64,
        acknowledgementInterval: Int = FileProtocolLimits.acknowledgementInterval
    ) {
        self.size = size
        self.acknowledgementInterval = UInt64(max(1, acknowledgementInterval))
        receivedOffset = startOffset
        writtenOffset = startOffset
        acknowledgedOffset = startOffset
    }

    /// `count` more bytes arrived.
    mutating func dataArrived(count: Int) throws(FileError) {
        guard expectedDigest == nil else {
            throw FileError(.badRequest, "data arrived after finish")
        }
        guard UInt64(count) <= size - receivedOffset else {
            throw FileError(.badRequest, "more data than the announced \(size) bytes")
        }
        receivedOffset += UInt64(count)
    }

    /// `finish` arrived; answers the digest to verify against if everything is written.
    /// Since a stream keeps order, every byte must have arrived before it.
    mutating func finishArrived(_ digest: FileDigest) throws(FileError) -> FileDigest? {
        guard expectedDigest == nil else { throw FileError(.badRequest, "a second finish") }
        guard receivedOffset == size else {
            throw FileError(
                .badRequest, "finish after \(receivedOffset) of \(size) bytes")
        }
        expectedDigest = digest
        return writtenOffset == size ? digest : nil
    }

    /// `count` queued bytes were written.
    mutating func wrote(count: Int) -> AfterWrite {
        writtenOffset += UInt64(count)
        var after = AfterWrite()
        if writtenOffset - acknowledgedOffset >= acknowledgementInterval || writtenOffset == size {
            if writtenOffset > acknowledgedOffset {
                acknowledgedOffset = writtenOffset
                after.acknowledge = writtenOffset
            }
        }
        if writtenOffset == size { after.verify = expectedDigest }
        return after
    }
}

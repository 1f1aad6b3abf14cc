/// The sending end of one transfer's flow control, without I/O: which chunk to read next,
/// when the window of unacknowledged bytes is full, when to send `finish`.
///
/// The sender never waits a round trip per chunk: it keeps reading and sending while fewer
/// than `window` bytes are unacknowledged and the channel is writable; the receiver's
/// acknowledgements (at least every `FileProtocolLimits.acknowledgementInterval` bytes) open
/// the window again. One read is in flight at a time, so chunks leave in order.
struct SenderStateMachine {
    /// What the transfer should do next.
    enum Action: Equatable {
        /// Read `length` bytes at `offset`, then call `readCompleted`.
        case read(offset: UInt64, length: Int)
        /// Everything was sent: send `finish` with the whole file's digest.
        case sendFinish
        /// Nothing until a read completes, an ack arrives or the channel becomes writable.
        case wait
    }

    private enum State {
        case streaming(reading: Bool)
        /// `finish` was sent; acks may still arrive.
        case finished
    }

    let size: UInt64
    let window: UInt64
    let chunkSize: Int
    /// Where the transfer started (0, or a resume offset).
    let startOffset: UInt64
    /// Bytes before this offset were sent (or lay before the start).
    private(set) var sentOffset: UInt64
    /// Bytes before this offset were written by the receiver.
    private(set) var acknowledgedOffset: UInt64
    private var state = State.streaming(reading: false)

    /// A sender of `size` bytes from `startOffset`. The window is raised to twice the
    /// acknowledgement interval, below which the receiver's acks could not keep it open.
    init(size: UInt64, startOffset: UInt64, window: Int, chunkSize: Int) {
        self.size = size
        self.startOffset = startOffset
        self.window = UInt64(max(window, 2 * FileProtocolLimits.acknowledgementInterval))
        self.chunkSize = min(max(1, chunkSize), FileProtocolLimits.maximumDataChunk)
        self.sentOffset = startOffset
        self.acknowledgedOffset = startOffset
    }

    /// Sent but not yet acknowledged.
    var bytesInFlight: UInt64 { sentOffset - acknowledgedOffset }

    /// Whether the receiver has acknowledged the whole file.
    var allAcknowledged: Bool { acknowledgedOffset == size }

    /// The next step, given whether the channel accepts writes now.
    mutating func next(writable: Bool) -> Action {
        guard case .streaming(let reading) = state, !reading else { return .wait }
        if sentOffset == size {
            state = .finished
            return .sendFinish
        }
        guard writable, bytesInFlight < window else { return .wait }
        let length = min(UInt64(chunkSize), size - sentOffset, window - bytesInFlight)
        state = .streaming(reading: true)
        return .read(offset: sentOffset, length: Int(length))
    }

    /// A read of `requested` bytes gave `count`; the caller sends them. Fewer than asked
    /// means the file shrank under the transfer.
    mutating func readCompleted(requested: Int, count: Int) throws(FileError) {
        guard case .streaming(true) = state else {
            throw FileError(.ioError, "internal: a read completed that was not started")
        }
        guard count == requested else {
            throw FileError(.ioError, "the file became shorter while it was sent")
        }
        sentOffset += UInt64(count)
        state = .streaming(reading: false)
    }

    /// The receiver wrote up to `offset`. An ack may only move forward and never beyond what
    /// was sent.
    mutating func acknowledge(_ offset: UInt64) throws(FileError) {
        guard offset >= acknowledgedOffset, offset <= sentOffset else {
            throw FileError(
                .badRequest,
                "acknowledged offset \(offset) is outside \(acknowledgedOffset)...\(sentOffset)")
        }
        acknowledgedOffset = offset
    }
}

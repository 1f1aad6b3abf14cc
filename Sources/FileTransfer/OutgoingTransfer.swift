import Crypto
import NIOCore

/// Sends one open file over a link: the agent's side of a download, the client's side of an
/// upload. Reads chunks on the thread pool (hashing them there too, off the event loop),
/// sends them within the window, sends `finish` with the whole file's digest, and ends when
/// the receiver answers `done` with the same digest.
///
/// Event-loop bound. The descriptor is closed before `onEnd` is called, so an ended transfer
/// holds no file (and no lock) any more.
final class OutgoingTransfer {
    /// The hash of the bytes before the start offset.
    enum Prefix {
        /// Already hashed (the agent hashed it to compare with the client's prefix digest).
        case hashed(SHA256)
        /// To hash from the file before sending (the client resuming an upload).
        case toHash
    }

    private enum Phase {
        case preparing
        case streaming
        case awaitingDone(FileDigest)
        case ended
    }

    let id: UInt32
    private let fd: Int32
    private let path: String
    private var machine: SenderStateMachine
    private var hasher = SHA256()
    private var prefix: Prefix
    private var phase = Phase.preparing
    /// A job holding the descriptor is on the thread pool.
    private var busy = false
    private var pendingEnd: TransferResult?
    private weak var link: (any TransferLink)?
    private let onEnd: (TransferResult) -> Void
    /// Called with the acknowledged offset after each ack.
    var onProgress: ((UInt64) -> Void)?

    /// A transfer of the open `fd` (owned from now on) of `size` bytes from `startOffset`.
    init(
        id: UInt32, fd: Int32, path: String, size: UInt64, startOffset: UInt64, prefix: Prefix,
        window: Int, chunkSize: Int, link: any TransferLink,
        onEnd: @escaping (TransferResult) -> Void
    ) {
        self.id = id
        self.fd = fd
        self.path = path
        self.machine = SenderStateMachine(
            size: size, startOffset: startOffset, window: window, chunkSize: chunkSize)
        self.prefix = prefix
        self.link = link
        self.onEnd = onEnd
    }

    var size: UInt64 { machine.size }
    var startOffset: UInt64 { machine.startOffset }
    var acknowledgedOffset: UInt64 { machine.acknowledgedOffset }

    /// Begins sending (after hashing the prefix if needed).
    func start() {
        guard case .preparing = phase, let link else { return }
        switch prefix {
        case .hashed(let prefixHasher):
            hasher = prefixHasher
            phase = .streaming
            pump()
        case .toHash:
            busy = true
            let fd = fd
            let count = machine.startOffset
            let path = path
            link.runBlocking { () throws(FileError) -> SHA256 in
                var hasher = SHA256()
                try Posix.hash(fd, count: count, into: &hasher, path)
                return hasher
            } then: { result in
                self.busy = false
                if let pending = self.pendingEnd { return self.closeAndReport(pending) }
                switch result {
                case .success(let hasher):
                    self.hasher = hasher
                    self.phase = .streaming
                    self.pump()
                case .failure(let error):
                    self.fail(error, tell: true)
                }
            }
        }
    }

    /// Reads and sends while the window and the channel allow; called again on each ack,
    /// each completed read and each time the channel becomes writable.
    func pump() {
        guard case .streaming = phase, !busy, let link else { return }
        switch machine.next(writable: link.isWritable) {
        case .wait:
            return
        case .sendFinish:
            let digest = FileDigest(hasher.finalize())
            phase = .awaitingDone(digest)
            link.send(.finish(transferID: id, sha256: digest))
        case .read(let offset, let length):
            busy = true
            let (fd, path, hasher, allocator) = (fd, path, hasher, link.allocator)
            link.runBlocking { () throws(FileError) -> (ByteBuffer, SHA256) in
                let bytes = try Posix.read(
                    fd, count: length, at: offset, allocator: allocator, path)
                var hasher = hasher
                bytes.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                return (bytes, hasher)
            } then: { result in
                self.busy = false
                if let pending = self.pendingEnd { return self.closeAndReport(pending) }
                do throws(FileError) {
                    let (bytes, hasher) = try result.get()
                    try self.machine.readCompleted(requested: length, count: bytes.readableBytes)
                    self.hasher = hasher
                    self.link?.sendData(transferID: self.id, bytes)
                    self.pump()
                } catch {
                    self.fail(error, tell: true)
                }
            }
        }
    }

    /// The receiver wrote up to `offset`.
    func acknowledged(_ offset: UInt64) throws(FileError) {
        guard !isEnded else { return }
        try machine.acknowledge(offset)
        onProgress?(offset)
        pump()
    }

    /// The receiver put the file in place; its digest must be ours.
    func doneReceived(_ digest: FileDigest) throws(FileError) {
        guard case .awaitingDone(let ours) = phase else {
            throw FileError(.badRequest, "done before finish")
        }
        if digest == ours {
            end(.success(ours))
        } else {
            end(.failure(FileError(.hashMismatch, "the receiver's digest of \(path) differs")))
        }
    }

    /// Ends the transfer with `error`; `tell` sends `transferFailed` to the peer.
    func fail(_ error: FileError, tell: Bool) {
        guard !isEnded else { return }
        if tell { link?.send(.transferFailed(transferID: id, error: error)) }
        end(.failure(error))
    }

    /// Ends the transfer as cancelled; `tell` sends `cancel` to the peer.
    func cancel(_ error: FileError, tell: Bool) {
        guard !isEnded else { return }
        if tell { link?.send(.cancel(transferID: id)) }
        end(.failure(error))
    }

    private var isEnded: Bool {
        if case .ended = phase { return true }
        return false
    }

    private func end(_ result: TransferResult) {
        guard !isEnded else { return }
        phase = .ended
        if busy {
            pendingEnd = result
        } else {
            closeAndReport(result)
        }
    }

    private func closeAndReport(_ result: TransferResult) {
        pendingEnd = nil
        let fd = fd
        guard let link else {
            Posix.close(fd)
            return onEnd(result)
        }
        link.runBlocking { () throws(FileError) in
            Posix.close(fd)
        } then: { closed in
            // The pool is gone: close here rather than leak the descriptor.
            if case .failure = closed { Posix.close(fd) }
            self.onEnd(result)
        }
    }
}

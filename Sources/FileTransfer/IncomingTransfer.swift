import Crypto
import NIOCore

/// Receives one file over a link into `<name>.tsunagu-part`: the agent's side of an upload,
/// the client's side of a download. Queues arriving data, writes (and hashes) it on the
/// thread pool one batch at a time, acknowledges as it goes, and once `finish` came and
/// everything is written compares digests: only on a match does the partial file get its
/// mode and time, reach the disk (fsync) and take the target's name.
///
/// Event-loop bound. The descriptor is closed before `onEnd` is called.
final class IncomingTransfer {
    /// Where the file goes once verified.
    struct Target: Sendable {
        /// The partial file being written (kept on failure, for a resume).
        var partPath: String
        /// The final name.
        var finalPath: String
        var mode: UInt32
        var modified: FileTimestamp
        /// Run on the thread pool just before the rename; a throw refuses the commit (the
        /// agent re-checks a policy that forbids replacing a target created meanwhile).
        var commitCheck: (@Sendable () throws(FileError) -> Void)?
    }

    private enum Phase {
        case receiving
        /// The connection closed: what arrived is still written, to resume from later.
        case draining
        case committing
        case ended
    }

    /// Bytes per write job: enough to amortise the hop to the pool.
    private static let batchBytes = 1 << 20

    let id: UInt32
    private let fd: Int32
    private let target: Target
    private var machine: ReceiverStateMachine
    private var hasher: SHA256
    private var queue = CircularBuffer<ByteBuffer>()
    private var queuedBytes = 0
    /// Cut the partial file to the start offset before the first write (it may be longer).
    private var truncatePending = true
    private var busy = false
    private var pendingEnd: TransferResult?
    private var phase = Phase.receiving
    private weak var link: (any TransferLink)?
    private let onEnd: (TransferResult) -> Void
    /// Called with the written offset after each write.
    var onProgress: ((UInt64) -> Void)?

    /// A receiver writing into the open `fd` (owned from now on) whose first `startOffset`
    /// bytes are kept and already fed to `prefixHasher`.
    init(
        id: UInt32, fd: Int32, target: Target, size: UInt64, startOffset: UInt64,
        prefixHasher: SHA256, link: any TransferLink, onEnd: @escaping (TransferResult) -> Void
    ) {
        self.id = id
        self.fd = fd
        self.target = target
        self.machine = ReceiverStateMachine(size: size, startOffset: startOffset)
        self.hasher = prefixHasher
        self.startOffset = startOffset
        self.link = link
        self.onEnd = onEnd
    }

    var size: UInt64 { machine.size }
    /// Where this transfer started writing.
    let startOffset: UInt64
    var writtenOffset: UInt64 { machine.writtenOffset }

    /// Starts the transfer (for an empty file or a complete prefix there is nothing to wait
    /// for but `finish`).
    func start() {
        writeNext()
    }

    /// A `data` frame arrived.
    func dataReceived(_ bytes: ByteBuffer) throws(FileError) {
        guard case .receiving = phase else { return }
        try machine.dataArrived(count: bytes.readableBytes)
        guard bytes.readableBytes > 0 else { return }
        queue.append(bytes)
        queuedBytes += bytes.readableBytes
        link?.receiveBufferChanged(by: bytes.readableBytes)
        writeNext()
    }

    /// `finish` arrived with the sender's digest.
    func finishReceived(_ digest: FileDigest) throws(FileError) {
        guard case .receiving = phase else { return }
        if let expected = try machine.finishArrived(digest), !busy {
            commit(expected)
        }
    }

    /// The peer cancelled, or the local side gives up: the partial file stays.
    func cancel(_ error: FileError, tell: Bool) {
        switch phase {
        case .receiving, .draining:
            if tell { link?.send(.cancel(transferID: id)) }
            end(.failure(error))
        case .committing, .ended:
            // Too late: the verified file is going into place.
            return
        }
    }

    /// Fails the transfer; `tell` sends `transferFailed`.
    func fail(_ error: FileError, tell: Bool) {
        switch phase {
        case .receiving, .draining:
            if tell { link?.send(.transferFailed(transferID: id, error: error)) }
            end(.failure(error))
        case .committing, .ended:
            return
        }
    }

    /// The connection closed: write what came, then end.
    func connectionClosed() {
        guard case .receiving = phase else { return }
        phase = .draining
        if !busy && queue.isEmpty { end(.failure(.connectionClosed)) }
    }

    private func writeNext() {
        guard !busy, let link else { return }
        switch phase {
        case .receiving, .draining: break
        case .committing, .ended: return
        }
        guard !queue.isEmpty || truncatePending else {
            if case .draining = phase { end(.failure(.connectionClosed)) }
            return
        }
        var batch: [ByteBuffer] = []
        var count = 0
        while let next = queue.first, count == 0 || count + next.readableBytes <= Self.batchBytes {
            batch.append(queue.removeFirst())
            count += next.readableBytes
        }
        busy = true
        let (fd, path, hasher, offset) = (fd, target.partPath, hasher, machine.writtenOffset)
        let truncate = truncatePending
        truncatePending = false
        let batchToWrite = batch
        link.runBlocking { () throws(FileError) -> SHA256 in
            if truncate { try Posix.truncate(fd, to: offset, path) }
            var hasher = hasher
            var at = offset
            for bytes in batchToWrite {
                try Posix.write(fd, bytes, at: at, path)
                bytes.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                at += UInt64(bytes.readableBytes)
            }
            return hasher
        } then: { result in
            self.busy = false
            // An end while the batch was out already released every queued byte.
            if let pending = self.pendingEnd { return self.closeAndReport(pending) }
            self.queuedBytes -= count
            self.link?.receiveBufferChanged(by: -count)
            switch result {
            case .failure(let error):
                self.fail(error, tell: true)
            case .success(let hasher):
                self.hasher = hasher
                let after = self.machine.wrote(count: count)
                if let offset = after.acknowledge {
                    self.link?.send(.ack(transferID: self.id, offset: offset))
                }
                self.onProgress?(self.machine.writtenOffset)
                if let expected = after.verify {
                    self.commit(expected)
                } else {
                    self.writeNext()
                }
            }
        }
    }

    /// Everything is written and the sender's digest is known.
    private func commit(_ expected: FileDigest) {
        guard let link else { return }
        phase = .committing
        busy = true
        let ours = FileDigest(hasher.finalize())
        let (fd, target) = (fd, target)
        let matches = ours == expected
        link.runBlocking { () throws(FileError) in
            defer { Posix.close(fd) }
            guard matches else {
                // The prefix (or the data) was not what the sender has: a resume from this
                // partial file could never succeed, so it goes.
                try? Posix.unlink(target.partPath)
                throw FileError(
                    .hashMismatch,
                    "the SHA-256 of \(target.finalPath) differs from the sender's; the partial file was removed"
                )
            }
            try Posix.setAttributes(
                fd, mode: target.mode, modified: target.modified, target.partPath)
            try Posix.sync(fd, target.partPath)
            try target.commitCheck?()
            try Posix.rename(target.partPath, target.finalPath)
        } then: { result in
            self.busy = false
            self.phase = .ended
            switch result {
            case .success:
                self.link?.send(.done(transferID: self.id, sha256: ours))
                self.onEnd(.success(ours))
            case .failure(let error):
                self.link?.send(.transferFailed(transferID: self.id, error: error))
                self.onEnd(.failure(error))
            }
        }
    }

    private func end(_ result: TransferResult) {
        switch phase {
        case .ended, .committing: return
        case .receiving, .draining: phase = .ended
        }
        link?.receiveBufferChanged(by: -queuedBytes)
        queuedBytes = 0
        queue.removeAll()
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
            if case .failure = closed { Posix.close(fd) }
            self.onEnd(result)
        }
    }
}

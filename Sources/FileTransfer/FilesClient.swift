import Crypto
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The operator's end of a files channel, over any NIO channel whose messages are
/// `ByteBuffer`s (a relay connection, or a TCP connection in tests).
///
/// ```swift
/// let files = try await FilesClient.open(on: channel) { try await RelayDialer.startForwarding(channel).get() }
/// for entry in try await files.list("/home/user") { print(entry.name) }
/// let report = try await files.download("/home/user/report.pdf", to: "./report.pdf", resume: true)
/// ```
///
/// A download is written to `LOCAL.tsunagu-part` and takes its name only once its SHA-256
/// matches the agent's; `resume` continues from a partial file the agent's copy still starts
/// with. Uploads resume from the agent's partial file likewise (policy `resume`).
public final class FilesClient: Sendable {
    /// A transfer that ended without success, with what it got done.
    public struct TransferFailure: Error, Sendable, CustomStringConvertible {
        /// Why.
        public var error: FileError
        /// The transfer as far as it went (bytes moved are kept for a resume).
        public var report: FileTransferReport

        public var description: String { error.description }
    }

    /// Called (on an event loop) with the bytes in place at the receiver and the file's size.
    public typealias Progress = @Sendable (_ bytesDone: UInt64, _ totalBytes: UInt64) -> Void

    private let channel: any Channel
    private let handler: NIOLoopBound<FileClientHandler>
    let threadPool: NIOThreadPool

    private init(
        channel: any Channel, handler: NIOLoopBound<FileClientHandler>, threadPool: NIOThreadPool
    ) {
        self.channel = channel
        self.handler = handler
        self.threadPool = threadPool
    }

    /// Installs the client on `channel`, runs `startForwarding` (a relay connection holds the
    /// agent's bytes until the handlers are in place), and waits for the agent's hello.
    public static func open(
        on channel: any Channel, threadPool: NIOThreadPool = .singleton, window: Int = 16 << 20,
        chunkSize: Int = 256 << 10, startForwarding: @Sendable () async throws -> Void = {}
    ) async throws -> FilesClient {
        let greeting = channel.eventLoop.makePromise(of: Void.self)
        let handler = try await channel.eventLoop.submit {
            let handler = FileClientHandler(
                threadPool: threadPool, window: window, chunkSize: chunkSize, greeting: greeting)
            try channel.pipeline.syncOperations.addHandler(
                ByteToMessageHandler(FileMessageDecoding()))
            try channel.pipeline.syncOperations.addHandler(handler)
            return NIOLoopBound(handler, eventLoop: channel.eventLoop)
        }.get()
        try await startForwarding()
        try await greeting.futureResult.get()
        return FilesClient(channel: channel, handler: handler, threadPool: threadPool)
    }

    /// Closes the connection; transfers still running end with `io_error`.
    public func close() async {
        try? await channel.close()
    }

    /// The entries of a remote folder (for `/`, the agent's roots).
    public func list(_ path: String) async throws -> [FileEntry] {
        let promise = channel.eventLoop.makePromise(of: [FileEntry].self)
        let handler = handler
        channel.eventLoop.execute { handler.value.list(path, promise: promise) }
        return try await promise.futureResult.get()
    }

    /// The remote entry at `path`.
    public func stat(_ path: String) async throws -> FileEntry {
        guard
            case .statReply(_, let entry) = try await request({ .stat(requestID: $0, path: path) })
        else {
            throw FileError(.badRequest, "the agent answered stat with something else")
        }
        return entry
    }

    /// Makes a remote folder (its parent must exist).
    public func makeFolder(_ path: String) async throws {
        _ = try await request { .makeFolder(requestID: $0, path: path) }
    }

    /// Renames a remote entry; never replaces one.
    public func rename(_ from: String, to: String) async throws {
        _ = try await request { .rename(requestID: $0, from: from, to: to) }
    }

    /// Deletes a remote entry (`recursive` for a folder that is not empty).
    public func delete(_ path: String, recursive: Bool = false) async throws {
        _ = try await request { .delete(requestID: $0, path: path, recursive: recursive) }
    }

    /// Downloads the remote file `remotePath` to the local file `localPath`.
    public func download(
        _ remotePath: String, to localPath: String, resume: Bool = false, progress: Progress? = nil
    ) async throws -> FileTransferReport {
        let prepared = try await blocking { () throws(FileError) in
            try Self.preparePartialFile(localPath, resume: resume)
        }
        let promise = channel.eventLoop.makePromise(of: FileTransferReport.self)
        return try await run(promise) { handler in
            handler.download(remotePath, into: prepared, promise: promise, progress: progress)
        }
    }

    /// Uploads the local file `localPath` to the remote file `remotePath`.
    public func upload(
        _ localPath: String, to remotePath: String, policy: WritePolicy = .overwrite,
        progress: Progress? = nil
    ) async throws -> FileTransferReport {
        let prepared = try await blocking { () throws(FileError) in
            try Self.openLocalFile(localPath)
        }
        let promise = channel.eventLoop.makePromise(of: FileTransferReport.self)
        do {
            return try await run(promise) { handler in
                handler.upload(
                    prepared, to: remotePath, policy: policy, promise: promise, progress: progress)
            }
        } catch let failure as TransferFailure
            where failure.error.code == .hashMismatch && failure.report.resumedFrom > 0
        {
            // The agent's partial file was not the start of this file: send it whole.
            return try await upload(
                localPath, to: remotePath, policy: .overwrite, progress: progress)
        }
    }

    // MARK: Plumbing

    private func request(_ make: @escaping @Sendable (UInt32) -> FileMessage) async throws
        -> FileMessage
    {
        let promise = channel.eventLoop.makePromise(of: FileMessage.self)
        let handler = handler
        channel.eventLoop.execute { handler.value.request(make, promise: promise) }
        return try await promise.futureResult.get()
    }

    /// Starts a transfer on the event loop and awaits it; task cancellation cancels it.
    private func run(
        _ promise: EventLoopPromise<FileTransferReport>,
        _ start: @escaping @Sendable (FileClientHandler) -> UInt32?
    ) async throws -> FileTransferReport {
        let handler = handler
        let loop = channel.eventLoop
        let requestID = loop.submit { start(handler.value) }
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            requestID.whenSuccess { id in
                if let id { handler.value.cancel(request: id) }
            }
        }
    }

    private func blocking<T: Sendable>(_ body: @escaping @Sendable () throws(FileError) -> T)
        async throws -> T
    {
        try await threadPool.runIfActive { () throws -> T in try body() }
    }

    /// Opens (creating) `LOCAL.tsunagu-part`, locked; with `resume`, hashes what it holds.
    static func preparePartialFile(_ localPath: String, resume: Bool) throws(FileError)
        -> FileClientHandler.PreparedFile
    {
        let partPath = localPath + ServerFileOperations.partSuffix
        let fd = try Posix.open(partPath, O_WRONLY | O_CREAT | O_NOFOLLOW, mode: 0o600)
        do throws(FileError) {
            try Posix.lockExclusively(fd, partPath)
            var hasher = SHA256()
            var length: UInt64 = 0
            if resume {
                length = UInt64(try Posix.fstat(fd, partPath).st_size)
                let reader = try Posix.open(partPath, O_RDONLY | O_NOFOLLOW)
                defer { Posix.close(reader) }
                try Posix.hash(reader, count: length, into: &hasher, partPath)
            }
            return .init(
                fd: fd, localPath: localPath, length: length, mode: 0, modified: .init(seconds: 0),
                hasher: hasher)
        } catch {
            Posix.close(fd)
            throw error
        }
    }

    /// Opens a local regular file for upload with its size, mode and time.
    static func openLocalFile(_ localPath: String) throws(FileError)
        -> FileClientHandler.PreparedFile
    {
        let fd = try Posix.open(localPath, O_RDONLY)
        do throws(FileError) {
            let info = try Posix.fstat(fd, localPath)
            guard info.kind == .file else {
                throw FileError(
                    info.kind == .folder ? .isAFolder : .badRequest,
                    "\(localPath) is not a regular file")
            }
            return .init(
                fd: fd, localPath: localPath, length: UInt64(info.st_size),
                mode: UInt32(info.st_mode) & 0o7777,
                modified: info.modified, hasher: SHA256())
        } catch {
            Posix.close(fd)
            throw error
        }
    }
}

import Crypto
import NIOCore
import NIOPosix

/// The operator's end of one files connection, on the event loop: sends requests, matches
/// replies to them by request ID, and runs the transfers they open. `FilesClient` is its
/// async face.
final class FileClientHandler: ChannelDuplexHandler {
    typealias InboundIn = FileMessage
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// A local file made ready before its request is sent, so that the transfer can start
    /// the moment the agent answers (its data follows the answer at once).
    struct PreparedFile: Sendable {
        var fd: Int32
        var localPath: String
        /// Download: the verified partial length; upload: the file's size.
        var length: UInt64
        var mode: UInt32
        var modified: FileTimestamp
        /// Download: the hash of the first `length` bytes of the partial file.
        var hasher: SHA256
    }

    private enum Pending {
        case reply(EventLoopPromise<FileMessage>)
        case listing(EventLoopPromise<[FileEntry]>, [FileEntry])
        case download(
            remotePath: String, PreparedFile, EventLoopPromise<FileTransferReport>,
            progress: (@Sendable (UInt64, UInt64) -> Void)?)
        case upload(
            remotePath: String, PreparedFile, EventLoopPromise<FileTransferReport>,
            progress: (@Sendable (UInt64, UInt64) -> Void)?)
    }

    private let threadPool: NIOThreadPool
    private let window: Int
    private let chunkSize: Int
    private let greeting: EventLoopPromise<Void>
    private var link: FileConnectionLink?
    private var greeted = false
    private var pending: [UInt32: Pending] = [:]
    /// The transfer a request opened, to cancel it by request.
    private var transferOfRequest: [UInt32: UInt32] = [:]
    private var nextRequestID: UInt32 = 1
    private var closedError: FileError?

    init(threadPool: NIOThreadPool, window: Int, chunkSize: Int, greeting: EventLoopPromise<Void>) {
        self.threadPool = threadPool
        self.window = window
        self.chunkSize = chunkSize
        self.greeting = greeting
    }

    func handlerAdded(context: ChannelHandlerContext) {
        link = FileConnectionLink(
            context: context, threadPool: threadPool, receiveBufferLimit: 32 << 20)
        link?.send(.hello(version: FileMessage.protocolVersion))
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        closed(.connectionClosed)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed(.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let text = (error as? FileFrameDecoder.FrameError)?.description ?? "\(error)"
        closed(FileError(.badRequest, "the agent sent a malformed frame: \(text)"))
        context.close(promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        link?.readCompleted()
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if let link { link.read(context: context) } else { context.read() }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        link?.writabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let link else { return }
        link.readStarted()
        let message = unwrapInboundIn(data)
        if link.route(message) { return }
        switch message {
        case .hello(let version):
            guard version == FileMessage.protocolVersion else {
                let error = FileError(
                    .unsupportedVersion,
                    "the agent speaks files protocol \(version), this client \(FileMessage.protocolVersion)"
                )
                closed(error)
                context.close(promise: nil)
                return
            }
            greeted = true
            greeting.succeed()
        case .failure(0, let error):
            closed(error)
            context.close(promise: nil)
        case .entries(let id, let entries, let more):
            guard case .listing(let promise, var gathered) = pending[id] else {
                return protocolViolation("entries for request \(id)", context: context)
            }
            gathered.append(contentsOf: entries)
            if more {
                pending[id] = .listing(promise, gathered)
            } else {
                pending[id] = nil
                promise.succeed(gathered)
            }
        case .readOpened(let id, let transferID, let size, let start, let mode, let modified):
            guard
                case .download(let remote, let file, let promise, let progress) =
                    pending.removeValue(forKey: id)
            else { return protocolViolation("readOpened for request \(id)", context: context) }
            startDownload(
                remote: remote, file: file, transferID: transferID, size: size, start: start,
                mode: mode, modified: modified, request: id, promise: promise, progress: progress)
        case .writeOpened(let id, let transferID, let offset):
            guard
                case .upload(let remote, let file, let promise, let progress) = pending.removeValue(
                    forKey: id)
            else { return protocolViolation("writeOpened for request \(id)", context: context) }
            guard offset <= file.length else {
                Posix.close(file.fd)
                promise.fail(
                    FileError(.badRequest, "the agent asked to resume beyond the file's end"))
                return
            }
            startUpload(
                remote: remote, file: file, transferID: transferID, offset: offset, request: id,
                promise: promise, progress: progress)
        case .skipped(let id):
            guard
                case .upload(let remote, let file, let promise, _) = pending.removeValue(forKey: id)
            else {
                return protocolViolation("skipped for request \(id)", context: context)
            }
            Posix.close(file.fd)
            promise.succeed(
                FileTransferReport(
                    direction: .upload, path: remote, totalSize: file.length, bytesMoved: 0,
                    resumedFrom: 0, sha256: "", outcome: .skipped))
        case .failure(let id, let error):
            guard let request = pending.removeValue(forKey: id) else { return }
            fail(request, error)
        case .statReply(let id, _), .ok(let id):
            guard case .reply(let promise) = pending.removeValue(forKey: id) else {
                return protocolViolation("a reply to request \(id)", context: context)
            }
            promise.succeed(message)
        default:
            protocolViolation("a request (\(message.type))", context: context)
        }
    }

    // MARK: Requests, called on the event loop by FilesClient

    /// Sends a request expecting a single reply.
    func request(_ make: (UInt32) -> FileMessage, promise: EventLoopPromise<FileMessage>) {
        guard let id = register(.reply(promise), failing: promise) else { return }
        link?.send(make(id))
    }

    func list(_ path: String, promise: EventLoopPromise<[FileEntry]>) {
        guard let id = register(.listing(promise, []), failing: promise) else { return }
        link?.send(.list(requestID: id, path: path))
    }

    /// Asks for a download into the prepared partial file; answers the request ID.
    func download(
        _ remotePath: String, into file: PreparedFile,
        promise: EventLoopPromise<FileTransferReport>,
        progress: (@Sendable (UInt64, UInt64) -> Void)?
    ) -> UInt32? {
        guard
            let id = register(
                .download(remotePath: remotePath, file, promise, progress: progress),
                failing: promise)
        else {
            Posix.close(file.fd)
            return nil
        }
        let prefix = file.length > 0 ? FileDigest(file.hasher.finalize()) : nil
        link?.send(
            .openRead(
                requestID: id, path: remotePath, offset: prefix == nil ? 0 : file.length,
                prefixSHA256: prefix))
        return id
    }

    /// Asks for an upload of the prepared local file; answers the request ID.
    func upload(
        _ file: PreparedFile, to remotePath: String, policy: WritePolicy,
        promise: EventLoopPromise<FileTransferReport>,
        progress: (@Sendable (UInt64, UInt64) -> Void)?
    ) -> UInt32? {
        guard
            let id = register(
                .upload(remotePath: remotePath, file, promise, progress: progress), failing: promise
            )
        else {
            Posix.close(file.fd)
            return nil
        }
        link?.send(
            .openWrite(
                requestID: id, path: remotePath, size: file.length, mode: file.mode,
                modified: file.modified, policy: policy))
        return id
    }

    /// Cancels the transfer a request opened (or the request, if not open yet).
    func cancel(request id: UInt32) {
        let error = FileError(.cancelled, "cancelled")
        if let transferID = transferOfRequest[id] {
            link?.incoming[transferID]?.cancel(error, tell: true)
            link?.outgoing[transferID]?.cancel(error, tell: true)
        } else if let request = pending.removeValue(forKey: id) {
            // The answer, when it comes, finds nothing and its transfer gets no data: the
            // agent's side then ends when the connection does.
            fail(request, error)
        }
    }

    private func register<T>(_ request: Pending, failing promise: EventLoopPromise<T>) -> UInt32? {
        if let closedError {
            promise.fail(closedError)
            return nil
        }
        let id = nextRequestID
        nextRequestID = nextRequestID == .max ? 1 : nextRequestID + 1
        pending[id] = request
        return id
    }

    private func startDownload(
        remote: String, file: PreparedFile, transferID: UInt32, size: UInt64, start: UInt64,
        mode: UInt32, modified: FileTimestamp, request: UInt32,
        promise: EventLoopPromise<FileTransferReport>,
        progress: (@Sendable (UInt64, UInt64) -> Void)?
    ) {
        guard let link else { return }
        let target = IncomingTransfer.Target(
            partPath: file.localPath + ServerFileOperations.partSuffix, finalPath: file.localPath,
            mode: mode, modified: modified, commitCheck: nil)
        // The agent resumes only when our prefix matched; otherwise it starts from 0 and the
        // partial file is cut before the first write.
        let prefix = start > 0 && start == file.length ? file.hasher : SHA256()
        let transfer = IncomingTransfer(
            id: transferID, fd: file.fd, target: target, size: size, startOffset: start,
            prefixHasher: prefix, link: link
        ) { result in
            // Held until the transfer ends (it always does), so its figures are known.
            let moved =
                (self.link?.incoming.removeValue(forKey: transferID)?.writtenOffset ?? start)
                - start
            self.transferOfRequest[request] = nil
            Self.complete(
                promise,
                FileTransferReport(
                    direction: .download, path: remote, totalSize: size, bytesMoved: moved,
                    resumedFrom: start, result: result))
        }
        if let progress { transfer.onProgress = { progress($0, size) } }
        link.incoming[transferID] = transfer
        transferOfRequest[request] = transferID
        transfer.start()
    }

    private func startUpload(
        remote: String, file: PreparedFile, transferID: UInt32, offset: UInt64, request: UInt32,
        promise: EventLoopPromise<FileTransferReport>,
        progress: (@Sendable (UInt64, UInt64) -> Void)?
    ) {
        guard let link else { return }
        let size = file.length
        let transfer = OutgoingTransfer(
            id: transferID, fd: file.fd, path: file.localPath, size: size, startOffset: offset,
            prefix: offset > 0 ? .toHash : .hashed(SHA256()), window: window, chunkSize: chunkSize,
            link: link
        ) { result in
            let acknowledged =
                self.link?.outgoing.removeValue(forKey: transferID)?.acknowledgedOffset ?? offset
            self.transferOfRequest[request] = nil
            Self.complete(
                promise,
                FileTransferReport(
                    direction: .upload, path: remote, totalSize: size,
                    bytesMoved: acknowledged - offset,
                    resumedFrom: offset, result: result))
        }
        if let progress { transfer.onProgress = { progress($0, size) } }
        link.outgoing[transferID] = transfer
        transferOfRequest[request] = transferID
        transfer.start()
    }

    /// A completed transfer succeeds; a failed one fails with its error, carrying the report.
    private static func complete(
        _ promise: EventLoopPromise<FileTransferReport>, _ report: FileTransferReport
    ) {
        if case .failed(let code) = report.outcome {
            promise.fail(
                FilesClient.TransferFailure(
                    error: FileError(code, report.detail ?? code.rawValue), report: report))
        } else {
            promise.succeed(report)
        }
    }

    private func fail(_ request: Pending, _ error: FileError) {
        switch request {
        case .reply(let promise): promise.fail(error)
        case .listing(let promise, _): promise.fail(error)
        case .download(_, let file, let promise, _), .upload(_, let file, let promise, _):
            Posix.close(file.fd)
            promise.fail(error)
        }
    }

    private func protocolViolation(_ what: String, context: ChannelHandlerContext) {
        closed(FileError(.badRequest, "the agent sent \(what), which this client did not expect"))
        context.close(promise: nil)
    }

    private func closed(_ error: FileError) {
        guard closedError == nil else { return }
        closedError = error
        if !greeted { greeting.fail(error) }
        let requests = pending
        pending = [:]
        for request in requests.values { fail(request, error) }
        link?.connectionClosed()
    }
}

import Crypto
import NIOCore
import NIOPosix

/// The agent's end of one files connection: answers requests inside the roots, sends
/// downloads, receives uploads, and reports every transfer's outcome.
///
/// Install it with ``install(on:configuration:threadPool:onTransfer:)`` on a channel whose
/// inbound and outbound messages are `ByteBuffer`s (the relay connection). Blocking file I/O
/// runs on `threadPool`; everything else on the channel's event loop.
public final class FileServerHandler: ChannelDuplexHandler {
    public typealias InboundIn = FileMessage
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    /// Called on the event loop when a transfer ends, however it ends.
    public typealias TransferObserver = @Sendable (FileTransferReport) -> Void

    /// Entries per `entries` frame: a root's whole path may be 4 KiB, and 200 of those stay
    /// under the 1 MiB frame limit.
    static let entriesPerFrame = 200

    private let configuration: FileServerConfiguration
    private let threadPool: NIOThreadPool
    private let onTransfer: TransferObserver
    private var link: FileConnectionLink?
    private var greeted = false
    private var nextTransferID: UInt32 = 1
    /// Transfers being opened (on the pool), counted against the limit.
    private var opening = 0

    init(
        configuration: FileServerConfiguration, threadPool: NIOThreadPool,
        onTransfer: @escaping TransferObserver
    ) {
        self.configuration = configuration
        self.threadPool = threadPool
        self.onTransfer = onTransfer
    }

    /// Adds the frame decoder and the handler to `channel`'s pipeline; call on its event loop
    /// or from anywhere (it hops).
    public static func install(
        on channel: any Channel, configuration: FileServerConfiguration,
        threadPool: NIOThreadPool = .singleton,
        onTransfer: @escaping TransferObserver = { _ in }
    ) -> EventLoopFuture<Void> {
        channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(
                ByteToMessageHandler(FileMessageDecoding()))
            try channel.pipeline.syncOperations.addHandler(
                FileServerHandler(
                    configuration: configuration, threadPool: threadPool, onTransfer: onTransfer))
        }
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        link = FileConnectionLink(
            context: context, threadPool: threadPool,
            receiveBufferLimit: configuration.receiveBufferLimit)
        // The agent speaks first too, so a client learns the version without waiting.
        link?.send(.hello(version: FileMessage.protocolVersion))
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        // The link stays: transfers still ending report through it.
        link?.connectionClosed()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        link?.connectionClosed()
        context.fireChannelInactive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let link else { return }
        link.readStarted()
        let message = unwrapInboundIn(data)
        if case .hello(let version) = message {
            guard version == FileMessage.protocolVersion else {
                return link.failConnection(
                    FileError(
                        .unsupportedVersion,
                        "this agent speaks files protocol \(FileMessage.protocolVersion), not \(version)"
                    ))
            }
            greeted = true
            return
        }
        guard greeted else {
            return link.failConnection(FileError(.badRequest, "the first frame must be hello"))
        }
        if link.route(message) { return }
        handle(request: message, link: link)
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        link?.readCompleted()
        context.fireChannelReadComplete()
    }

    public func read(context: ChannelHandlerContext) {
        if let link { link.read(context: context) } else { context.read() }
    }

    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        link?.writabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Malformed bytes: say what is wrong, then close; transfers keep their partial files.
        let text = (error as? FileFrameDecoder.FrameError)?.description ?? "\(error)"
        if let link, link.isOpen {
            link.failConnection(FileError(.badRequest, "malformed frame: \(text)"))
        } else {
            context.close(promise: nil)
        }
    }

    // MARK: Requests

    private func handle(request: FileMessage, link: FileConnectionLink) {
        let roots = configuration.roots
        switch request {
        case .list(let id, let path):
            link.runBlocking { () throws(FileError) in
                try ServerFileOperations.list(path, roots: roots)
            } then: { result in
                switch result {
                case .success(let entries): self.sendEntries(entries, request: id)
                case .failure(let error): link.send(.failure(requestID: id, error: error))
                }
            }
        case .stat(let id, let path):
            reply(to: id) { () throws(FileError) in
                .statReply(requestID: id, entry: try ServerFileOperations.stat(path, roots: roots))
            }
        case .makeFolder(let id, let path):
            reply(to: id) { () throws(FileError) in
                try ServerFileOperations.makeFolder(path, roots: roots)
                return .ok(requestID: id)
            }
        case .rename(let id, let from, let to):
            reply(to: id) { () throws(FileError) in
                try ServerFileOperations.rename(from, to: to, roots: roots)
                return .ok(requestID: id)
            }
        case .delete(let id, let path, let recursive):
            reply(to: id) { () throws(FileError) in
                try ServerFileOperations.delete(path, recursive: recursive, roots: roots)
                return .ok(requestID: id)
            }
        case .openRead(let id, let path, let offset, let prefix):
            guard admitTransfer(request: id, link: link) else { return }
            link.runBlocking { () throws(FileError) in
                try ServerFileOperations.openRead(
                    path, offset: offset, prefix: prefix, roots: roots)
            } then: { result in
                self.opening -= 1
                switch result {
                case .success(let opened): self.startDownload(opened, request: id)
                case .failure(let error):
                    link.send(.failure(requestID: id, error: error))
                    self.report(.download, path: path, size: 0, error: error)
                }
            }
        case .openWrite(let id, let path, let size, let mode, let modified, let policy):
            guard admitTransfer(request: id, link: link) else { return }
            link.runBlocking { () throws(FileError) in
                try ServerFileOperations.openWrite(
                    path, size: size, mode: mode & 0o7777, modified: modified, policy: policy,
                    roots: roots)
            } then: { result in
                self.opening -= 1
                switch result {
                case .success(.skipped):
                    link.send(.skipped(requestID: id))
                    self.onTransfer(
                        FileTransferReport(
                            direction: .upload, path: path, totalSize: size, bytesMoved: 0,
                            resumedFrom: 0, sha256: "", outcome: .skipped))
                case .success(.opened(let fd, let offset, let hasher, let target)):
                    self.startUpload(
                        fd: fd, offset: offset, hasher: hasher, target: target, path: path,
                        size: size,
                        request: id)
                case .failure(let error):
                    link.send(.failure(requestID: id, error: error))
                    self.report(.upload, path: path, size: size, error: error)
                }
            }
        case .hello, .entries, .statReply, .ok, .failure, .readOpened, .writeOpened, .skipped,
            .data, .ack, .finish, .done, .cancel, .transferFailed:
            link.failConnection(
                FileError(
                    .badRequest, "the client sent a message only the agent sends (\(request.type))")
            )
        }
    }

    private func reply(
        to id: UInt32, _ body: @escaping @Sendable () throws(FileError) -> FileMessage
    ) {
        guard let link else { return }
        link.runBlocking(body) { result in
            switch result {
            case .success(let message): link.send(message)
            case .failure(let error): link.send(.failure(requestID: id, error: error))
            }
        }
    }

    private func sendEntries(_ entries: [FileEntry], request id: UInt32) {
        guard let link else { return }
        var start = 0
        repeat {
            let end = min(entries.count, start + Self.entriesPerFrame)
            link.send(
                .entries(
                    requestID: id, entries: Array(entries[start..<end]), more: end < entries.count))
            start = end
        } while start < entries.count
    }

    private func admitTransfer(request id: UInt32, link: FileConnectionLink) -> Bool {
        guard link.transferCount + opening < configuration.maximumTransfers else {
            link.send(
                .failure(
                    requestID: id,
                    error: FileError(
                        .badRequest,
                        "at most \(configuration.maximumTransfers) transfers may run at once on one connection"
                    )))
            return false
        }
        opening += 1
        return true
    }

    private func takeTransferID() -> UInt32 {
        defer { nextTransferID = nextTransferID == .max ? 1 : nextTransferID + 1 }
        return nextTransferID
    }

    private func startDownload(_ opened: ServerFileOperations.ReadOpening, request: UInt32) {
        guard let link, link.isOpen else {
            Posix.close(opened.fd)
            return
        }
        let id = takeTransferID()
        link.send(
            .readOpened(
                requestID: request, transferID: id, size: opened.size,
                startOffset: opened.startOffset, mode: opened.mode, modified: opened.modified))
        let transfer = OutgoingTransfer(
            id: id, fd: opened.fd, path: opened.path, size: opened.size,
            startOffset: opened.startOffset, prefix: .hashed(opened.hasher),
            window: configuration.window, chunkSize: configuration.chunkSize, link: link
        ) { result in
            // Held strongly until the transfer ends (it always does): the connection's
            // handler may be gone by then, and the outcome must still be reported.
            let transfer = self.link?.outgoing.removeValue(forKey: id)
            self.onTransfer(
                FileTransferReport(
                    direction: .download, path: opened.path, totalSize: opened.size,
                    bytesMoved: (transfer?.acknowledgedOffset ?? opened.startOffset)
                        - opened.startOffset,
                    resumedFrom: opened.startOffset, result: result))
        }
        link.outgoing[id] = transfer
        transfer.start()
    }

    private func startUpload(
        fd: Int32, offset: UInt64, hasher: SHA256, target: IncomingTransfer.Target, path: String,
        size: UInt64, request: UInt32
    ) {
        guard let link, link.isOpen else {
            Posix.close(fd)
            return
        }
        let id = takeTransferID()
        let normalised = (try? FileRoots.normalise(path)) ?? path
        let transfer = IncomingTransfer(
            id: id, fd: fd, target: target, size: size, startOffset: offset, prefixHasher: hasher,
            link: link
        ) { result in
            // Held strongly until the transfer ends (it always does): the connection's
            // handler may be gone by then, and the outcome must still be reported.
            let transfer = self.link?.incoming.removeValue(forKey: id)
            self.onTransfer(
                FileTransferReport(
                    direction: .upload, path: normalised, totalSize: size,
                    bytesMoved: (transfer?.writtenOffset ?? offset) - offset, resumedFrom: offset,
                    result: result))
        }
        link.incoming[id] = transfer
        link.send(.writeOpened(requestID: request, transferID: id, offset: offset))
        transfer.start()
    }

    private func report(
        _ direction: FileTransferReport.Direction, path: String, size: UInt64, error: FileError
    ) {
        onTransfer(
            FileTransferReport(
                direction: direction, path: path, totalSize: size, bytesMoved: 0, resumedFrom: 0,
                sha256: "", outcome: .failed(error.code), detail: error.message))
    }
}

extension FileTransferReport {
    /// A report from a transfer's result.
    init(
        direction: Direction, path: String, totalSize: UInt64, bytesMoved: UInt64,
        resumedFrom: UInt64, result: Result<FileDigest, FileError>
    ) {
        switch result {
        case .success(let digest):
            self.init(
                direction: direction, path: path, totalSize: totalSize, bytesMoved: bytesMoved,
                resumedFrom: resumedFrom, sha256: digest.hex, outcome: .completed)
        case .failure(let error):
            self.init(
                direction: direction, path: path, totalSize: totalSize, bytesMoved: bytesMoved,
                resumedFrom: resumedFrom, sha256: "", outcome: .failed(error.code),
                detail: error.message)
        }
    }
}

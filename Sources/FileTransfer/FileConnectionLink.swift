import NIOCore
import NIOPosix

/// The part of a files connection that both ends share: writing frames (flushed once per read
/// burst), holding reads while too many received bytes wait for the disk, and routing the
/// streaming messages (`data`, `ack`, `finish`, `done`, `cancel`, `transferFailed`) to the
/// transfers running on the connection. `FileServerHandler` and `FileClientHandler` each own
/// one. Event-loop bound.
final class FileConnectionLink: TransferLink {
    let eventLoop: any EventLoop
    let threadPool: NIOThreadPool
    let allocator: ByteBufferAllocator
    private var context: ChannelHandlerContext?
    private let encoder = FileFrameEncoder()
    private let receiveBufferLimit: Int
    private var bufferedBytes = 0
    private var readHeld = false
    private var inReadBurst = false
    private var flushPending = false

    /// Transfers this end receives, by transfer ID.
    var incoming: [UInt32: IncomingTransfer] = [:]
    /// Transfers this end sends, by transfer ID.
    var outgoing: [UInt32: OutgoingTransfer] = [:]

    init(context: ChannelHandlerContext, threadPool: NIOThreadPool, receiveBufferLimit: Int) {
        self.context = context
        self.eventLoop = context.eventLoop
        self.allocator = context.channel.allocator
        self.threadPool = threadPool
        self.receiveBufferLimit = receiveBufferLimit
    }

    var isOpen: Bool { context != nil }

    var isWritable: Bool { context?.channel.isWritable ?? false }

    var transferCount: Int { incoming.count + outgoing.count }

    func send(_ message: FileMessage) {
        guard let context else { return }
        context.write(NIOAny(encoder.encode(message, allocator: allocator)), promise: nil)
        flushSoon()
    }

    func sendData(transferID: UInt32, _ bytes: ByteBuffer) {
        guard let context else { return }
        var header = allocator.buffer(capacity: 9)
        encoder.encodeDataHeader(transferID: transferID, count: bytes.readableBytes, into: &header)
        context.write(NIOAny(header), promise: nil)
        context.write(NIOAny(bytes), promise: nil)
        flushSoon()
    }

    func receiveBufferChanged(by delta: Int) {
        bufferedBytes += delta
        if readHeld, bufferedBytes < receiveBufferLimit, let context {
            readHeld = false
            context.read()
        }
    }

    /// The pipeline asks for more bytes: granted unless the disk is behind.
    func read(context: ChannelHandlerContext) {
        if bufferedBytes >= receiveBufferLimit {
            readHeld = true
        } else {
            context.read()
        }
    }

    func readStarted() { inReadBurst = true }

    func readCompleted() {
        inReadBurst = false
        if flushPending {
            flushPending = false
            context?.flush()
        }
    }

    private func flushSoon() {
        if inReadBurst {
            flushPending = true
        } else {
            context?.flush()
        }
    }

    /// The channel can take writes again: every sender continues.
    func writabilityChanged() {
        guard isWritable else { return }
        for transfer in Array(outgoing.values) { transfer.pump() }
    }

    /// Hands a streaming message to its transfer; false for any other message. A message for
    /// a transfer that already ended (data still in flight after a cancel) is dropped.
    func route(_ message: FileMessage) -> Bool {
        switch message {
        case .data(let id, let bytes):
            guard let transfer = incoming[id] else { return true }
            do throws(FileError) { try transfer.dataReceived(bytes) } catch {
                transfer.fail(error, tell: true)
            }
        case .finish(let id, let digest):
            guard let transfer = incoming[id] else { return true }
            do throws(FileError) { try transfer.finishReceived(digest) } catch {
                transfer.fail(error, tell: true)
            }
        case .ack(let id, let offset):
            guard let transfer = outgoing[id] else { return true }
            do throws(FileError) { try transfer.acknowledged(offset) } catch {
                transfer.fail(error, tell: true)
            }
        case .done(let id, let digest):
            guard let transfer = outgoing[id] else { return true }
            do throws(FileError) { try transfer.doneReceived(digest) } catch {
                transfer.fail(error, tell: true)
            }
        case .cancel(let id):
            let error = FileError(.cancelled, "the other side cancelled the transfer")
            incoming[id]?.cancel(error, tell: false)
            outgoing[id]?.cancel(error, tell: false)
        case .transferFailed(let id, let error):
            incoming[id]?.fail(error, tell: false)
            outgoing[id]?.fail(error, tell: false)
        default:
            return false
        }
        return true
    }

    /// The connection is gone: receivers write what came (for a resume), senders stop.
    func connectionClosed() {
        context = nil
        for transfer in Array(incoming.values) { transfer.connectionClosed() }
        for transfer in Array(outgoing.values) { transfer.fail(.connectionClosed, tell: false) }
    }

    /// Says what is wrong with the connection itself and closes it.
    func failConnection(_ error: FileError) {
        guard let context else { return }
        send(.failure(requestID: 0, error: error))
        context.flush()
        context.close(promise: nil)
    }
}

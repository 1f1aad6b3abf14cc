import NIOCore
import NIOPosix

/// What a running transfer needs from the connection it belongs to. Both the agent's
/// `FileServerHandler` and the client's handler provide it, so that one sender and one
/// receiver implementation serve uploads and downloads at both ends. Used on the event loop
/// only.
protocol TransferLink: AnyObject {
    var eventLoop: any EventLoop { get }
    /// Where blocking file I/O runs.
    var threadPool: NIOThreadPool { get }
    var allocator: ByteBufferAllocator { get }
    /// Whether the channel takes more writes now; a sender waits while it does not.
    var isWritable: Bool { get }
    /// Writes (and flushes, outside of a read burst) one message.
    func send(_ message: FileMessage)
    /// Writes a `data` frame without copying `bytes` into it.
    func sendData(transferID: UInt32, _ bytes: ByteBuffer)
    /// Received bytes waiting to be written grew or shrank: the link stops reading the
    /// channel while too many wait, so a peer that ignores the window cannot fill memory.
    func receiveBufferChanged(by delta: Int)
}

/// How a transfer ended: the whole file's digest, or why not.
typealias TransferResult = Result<FileDigest, FileError>

extension TransferLink {
    /// Runs `body` on the thread pool and `completion` back on the event loop. When the pool
    /// is shut down, `body` never runs and `completion` gets an I/O error.
    func runBlocking<T: Sendable>(
        _ body: @escaping @Sendable () throws(FileError) -> T,
        then completion: @escaping (Result<T, FileError>) -> Void
    ) {
        threadPool.runIfActive(eventLoop: eventLoop) { () throws -> T in try body() }
            .assumeIsolated()
            .whenComplete { result in
                completion(
                    result.mapError {
                        $0 as? FileError ?? FileError(.ioError, "the I/O pool is shut down: \($0)")
                    })
            }
    }
}

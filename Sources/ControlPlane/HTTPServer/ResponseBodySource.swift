import NIOCore
import NIOHTTP1
import Vapor

/// What a Vapor `Response.Body` holds, in the form the bridge can write.
///
/// Vapor keeps the body's storage internal and offers only `buffer` (nil for streams) and
/// `collect(on:)`, which would hold a whole file in memory. Its stream cases are read with
/// `Mirror` so files go out chunk by chunk with backpressure; should a Vapor release change
/// that layout, `.collect` still answers correctly, only buffered.
enum ResponseBodySource {
    case empty
    case buffer(ByteBuffer)
    case stream(@Sendable (any BodyStreamWriter) -> Void)
    case asyncStream(@Sendable (any AsyncBodyStreamWriter) async throws -> Void)
    /// A shape not recognised: gather it with Vapor's public `collect(on:)`.
    case collect

    init(_ body: Response.Body) {
        if let buffer = body.buffer {
            self = .buffer(buffer)
            return
        }
        guard let storage = Mirror(reflecting: body).descendant("storage") else {
            self = .collect
            return
        }
        // A case without payload (`.none`) has no children; streams carry their struct.
        guard let payload = Mirror(reflecting: storage).children.first else {
            self = body.count == 0 ? .empty : .collect
            return
        }
        let callback = Mirror(reflecting: payload.value).descendant("callback")
        switch payload.label {
        case "stream":
            if let callback = callback as? @Sendable (any BodyStreamWriter) -> Void {
                self = .stream(callback)
                return
            }
        case "asyncStream":
            if let callback = callback
                as? @Sendable (any AsyncBodyStreamWriter) async throws -> Void
            {
                self = .asyncStream(callback)
                return
            }
        default:
            break
        }
        self = .collect
    }
}

/// Writes a streamed Vapor body to the channel as HTTP body parts, one per buffer, each
/// write completing when NIO has taken it (the backpressure `streamFile` waits on).
final class ChannelBodyStreamWriter: BodyStreamWriter, AsyncBodyStreamWriter {
    /// Why a stream is refused.
    enum Failure: Error {
        case writeAfterEnd
    }

    let eventLoop: any EventLoop
    private let context: NIOLoopBound<ChannelHandlerContext>
    private let finished: NIOLoopBoundBox<Bool>
    private let onEnd: NIOLoopBound<(Result<Void, any Error>) -> Void>

    /// `onEnd` runs once, on the event loop, when the stream ends or fails.
    init(context: ChannelHandlerContext, onEnd: @escaping (Result<Void, any Error>) -> Void) {
        eventLoop = context.eventLoop
        self.context = NIOLoopBound(context, eventLoop: context.eventLoop)
        finished = NIOLoopBoundBox(false, eventLoop: context.eventLoop)
        self.onEnd = NIOLoopBound(onEnd, eventLoop: context.eventLoop)
    }

    func write(_ result: BodyStreamResult, promise: EventLoopPromise<Void>?) {
        guard eventLoop.inEventLoop else {
            eventLoop.execute { self.write(result, promise: promise) }
            return
        }
        switch result {
        case .buffer(let buffer):
            guard !finished.value else {
                promise?.fail(Failure.writeAfterEnd)
                return
            }
            context.value.writeAndFlush(
                NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: promise)
        case .end:
            if !finished.value {
                finished.value = true
                onEnd.value(.success(()))
            }
            promise?.succeed()
        case .error(let error):
            if !finished.value {
                finished.value = true
                onEnd.value(.failure(error))
            }
            promise?.fail(error)
        }
    }

    func write(_ result: BodyStreamResult) async throws {
        let promise = eventLoop.makePromise(of: Void.self)
        write(result, promise: promise)
        try await promise.futureResult.get()
    }
}

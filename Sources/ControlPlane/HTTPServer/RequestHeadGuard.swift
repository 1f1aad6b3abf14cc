import NIOCore
import NIOHTTP1

/// Holds each connection to `HTTPLimits` before its requests reach Vapor: a deadline for every
/// request head, byte limits on the request line and headers (414, 431), an idle limit
/// between keep-alive requests, and the per-address count of connections still in their
/// first head.
///
/// It sits right after NIO's request decoder and before the pipelining handler, so it sees
/// each head the moment it is parsed. The moment a request *starts* is told by `ByteSignal`,
/// placed before the decoder, as a `BytesArrived` event: the decoder holds a partial head
/// where no later handler can see it, and the deadline is counted from its first byte.
/// Heads beyond NIO's own parser limit (80 KiB) fail in the decoder and are answered 431 here.
final class RequestHeadGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Raw bytes reached the connection (sent by `ByteSignal` before they are decoded).
    struct BytesArrived: Sendable {}

    /// Where the connection is between requests.
    private enum Phase {
        /// Nothing of a request has arrived since the last one ended.
        case awaitingRequest
        /// Bytes arrived but the head is not complete: the head deadline runs.
        case receivingHead
        /// The head went on to Vapor; its body and end follow.
        case inRequest
        /// An error answer is written or queued; everything else is dropped.
        case rejecting
    }

    private let limits: HTTPLimits
    private let admission: AddressAdmission
    private var phase = Phase.awaitingRequest
    /// Heads passed on whose response has not ended yet (pipelining allows several).
    private var responsesOwed = 0
    private var isFirstRequest = true
    private var timer: Scheduled<Void>?
    /// The admission slot, held until the first head is complete or the connection closes.
    private var admissionKey: String?
    /// An error answer waiting for the responses ahead of it.
    private var pendingError: HTTPErrorResponse?

    /// `admissionKey` is the slot `admission` granted this connection at accept.
    init(limits: HTTPLimits, admission: AddressAdmission, admissionKey: String?) {
        self.limits = limits
        self.admission = admission
        self.admissionKey = admissionKey
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // The first head's deadline counts from accept: a silent socket is a slow one too.
        arm(limits.requestHeadTimeout, context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        releaseAdmission()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        releaseAdmission()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is BytesArrived else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        guard case .awaitingRequest = phase else { return }
        phase = .receivingHead
        // The first request's deadline has run since accept; a later one starts now.
        if !isFirstRequest { arm(limits.requestHeadTimeout, context: context) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if case .rejecting = phase { return }
        switch part {
        case .head(let head):
            cancelTimer()
            releaseAdmission()
            isFirstRequest = false
            if let error = violation(of: head) {
                reject(error, context: context)
                return
            }
            phase = .inRequest
            responsesOwed += 1
        case .body:
            break
        case .end:
            phase = .awaitingRequest
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        responsesOwed = max(0, responsesOwed - 1)
        context.write(data, promise: promise)
        guard responsesOwed == 0 else { return }
        if let error = pendingError {
            pendingError = nil
            context.flush()
            error.write(on: context)
        } else if case .awaitingRequest = phase {
            arm(limits.idleTimeout, context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        // NIO's parser gives up on a head past its own 80 KiB limit; a bare close would leave
        // the client guessing, so it is answered like a head past ours.
        if case .rejecting = phase { return }
        if case .headerOverflow = parserError {
            reject(.headerTooLarge, context: context)
        } else {
            reject(.badRequest, context: context)
        }
    }

    /// The limit `head` breaks, if any.
    private func violation(of head: HTTPRequestHead) -> HTTPErrorResponse? {
        // "METHOD SP target SP HTTP/1.1" without its CRLF.
        let requestLine = head.method.rawValue.utf8.count + head.uri.utf8.count + 10
        if requestLine > limits.maxRequestLineBytes { return .uriTooLong }
        var headerBytes = 0
        for (name, value) in head.headers {
            headerBytes += name.utf8.count + value.utf8.count + 4  // ": " and CRLF
        }
        if headerBytes > limits.maxHeaderBytes { return .headerTooLarge }
        return nil
    }

    private func reject(_ error: HTTPErrorResponse, context: ChannelHandlerContext) {
        phase = .rejecting
        cancelTimer()
        if responsesOwed == 0 {
            error.write(on: context)
        } else {
            // Answers go out in request order: this one waits for those ahead of it.
            pendingError = error
        }
    }

    private func timerFired(context: ChannelHandlerContext) {
        timer = nil
        switch phase {
        case .receivingHead:
            reject(.requestTimeout, context: context)
        case .awaitingRequest where isFirstRequest:
            reject(.requestTimeout, context: context)
        case .awaitingRequest where responsesOwed == 0:
            // Idle keep-alive connection: nothing to say, just let it go.
            context.close(promise: nil)
        case .awaitingRequest, .inRequest, .rejecting:
            break
        }
    }

    private func arm(_ delay: TimeAmount, context: ChannelHandlerContext) {
        cancelTimer()
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: delay) {
            let (handler, context) = bound.value
            handler.timerFired(context: context)
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }

    private func releaseAdmission() {
        guard let key = admissionKey else { return }
        admissionKey = nil
        admission.release(key)
    }
}

extension RequestHeadGuard {
    /// Sits before the request decoder and tells `RequestHeadGuard` that bytes arrived, before
    /// passing them on unchanged.
    final class ByteSignal: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
        typealias InboundOut = ByteBuffer

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            context.fireUserInboundEventTriggered(BytesArrived())
            context.fireChannelRead(data)
        }
    }
}

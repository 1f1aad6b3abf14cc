import NIOCore
import NIOHTTP1
import Vapor

/// Turns decoded HTTP/1.1 request parts into Vapor `Request`s, asks the application's
/// responder, and writes each `Response` back: buffered or streamed bodies, HEAD, keep-alive,
/// and protocol upgrades (`response.upgrader`, used by WebSocket routes and the embedded relay).
///
/// Bodies are collected before the request goes to Vapor (the API takes JSON only), up to
/// `HTTPLimits.maxBodyBytes(forTarget:)`; past it the answer is 413 and the connection closes.
/// It sits last in the pipeline, after NIO's pipelining handler, so requests arrive one by one.
final class VaporBridgeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        /// Waiting for a request head.
        case idle
        /// Gathering the body of `head`.
        case collecting(HTTPRequestHead, ByteBuffer?, limit: Int)
        /// Waiting for the responder or writing its answer.
        case responding
        /// Switching protocols: inbound data is held for the new handlers.
        case upgrading([NIOAny])
        /// Answered an error or upgraded: nothing more is read as HTTP.
        case finished
    }

    private let application: Application
    private let responder: any Responder
    private let limits: HTTPLimits
    /// The HTTP handlers in front of this one, taken out of the pipeline on an upgrade.
    private let httpHandlers: [any RemovableChannelHandler]
    /// The request decoder, before which bytes are held while an upgrade is under way.
    private let decoder: any RemovableChannelHandler
    private var state = State.idle

    init(
        application: Application, responder: any Responder, limits: HTTPLimits,
        httpHandlers: [any RemovableChannelHandler], decoder: any RemovableChannelHandler
    ) {
        self.application = application
        self.responder = responder
        self.limits = limits
        self.httpHandlers = httpHandlers
        self.decoder = decoder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .upgrading(var held) = state {
            // Raw bytes the decoder forwards as it leaves the pipeline: not HTTP parts any more.
            held.append(data)
            state = .upgrading(held)
            return
        }
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .idle):
            let limit = limits.maxBodyBytes(forTarget: head.uri)
            if let length = head.headers.first(name: "content-length").flatMap(Int.init),
                length > limit
            {
                // Refused before a byte of it is read.
                reject(.bodyTooLarge, context: context)
                return
            }
            state = .collecting(head, nil, limit: limit)
        case (.body(var chunk), .collecting(let head, let body, let limit)):
            var body = body ?? context.channel.allocator.buffer(capacity: chunk.readableBytes)
            guard body.readableBytes + chunk.readableBytes <= limit else {
                reject(.bodyTooLarge, context: context)
                return
            }
            body.writeBuffer(&chunk)
            state = .collecting(head, body, limit: limit)
        case (.end, .collecting(let head, let body, _)):
            state = .responding
            respond(to: head, body: body, context: context)
        case (_, .finished), (_, .upgrading):
            break
        case (.head, _), (.body, _), (.end, _):
            // The pipelining handler hands over one request at a time; anything else is a bug
            // on the wire's side of it, and the connection cannot be trusted further.
            reject(.badRequest, context: context)
        }
    }

    private func reject(_ error: HTTPErrorResponse, context: ChannelHandlerContext) {
        state = .finished
        error.write(on: context)
    }

    private func respond(
        to head: HTTPRequestHead, body: ByteBuffer?, context: ChannelHandlerContext
    ) {
        let request = Request(
            application: application, method: head.method, url: URI(path: head.uri),
            version: head.version, headersNoUpdate: head.headers, collectedBody: body,
            remoteAddress: context.channel.remoteAddress, peerCertificateChain: nil,
            logger: application.logger, byteBufferAllocator: context.channel.allocator,
            on: context.eventLoop)
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        responder.respond(to: request).hop(to: context.eventLoop).whenComplete { result in
            let (handler, context) = bound.value
            switch result {
            case .success(let response):
                if response.status == .switchingProtocols, let upgrader = response.upgrader {
                    handler.upgrade(
                        request, head: head, response: response, upgrader: upgrader,
                        context: context)
                } else {
                    handler.write(response, for: head, context: context)
                }
            case .failure(let error):
                handler.application.logger.error("Responder failed: \(String(reflecting: error))")
                handler.reject(
                    HTTPErrorResponse(
                        status: .internalServerError, code: "internal",
                        message: "Something went wrong."),
                    context: context)
            }
        }
    }

    /// Writes `response` as the answer to `head`, then reads the next request or closes.
    private func write(
        _ response: Response, for head: HTTPRequestHead, context: ChannelHandlerContext
    ) {
        let keepAlive =
            head.isKeepAlive
            && !response.headers[canonicalForm: "connection"].contains {
                $0.lowercased() == "close"
            }
        var headers = response.headers
        headers.replaceOrAdd(name: "connection", value: keepAlive ? "keep-alive" : "close")
        headers.replaceOrAdd(name: "date", value: HTTPDate.now())
        headers.replaceOrAdd(name: "server", value: TsunaguHTTPServer.serverName)
        let source = ResponseBodySource(response.body)
        let status = response.status
        let hasBody = !(status.code < 200 || status == .noContent || status == .notModified)
        if hasBody, !headers.contains(name: "content-length"),
            !headers.contains(name: "transfer-encoding"),
            response.body.count >= 0
        {
            // A body of known size says so; an unknown one NIO frames as chunked.
            headers.add(name: "content-length", value: "\(response.body.count)")
        }
        context.write(
            wrapOutboundOut(
                .head(HTTPResponseHead(version: head.version, status: status, headers: headers))),
            promise: nil)
        guard hasBody, head.method != .HEAD else {
            finish(keepAlive: keepAlive, context: context)
            return
        }
        switch source {
        case .empty:
            finish(keepAlive: keepAlive, context: context)
        case .buffer(let buffer):
            if buffer.readableBytes > 0 {
                context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            }
            finish(keepAlive: keepAlive, context: context)
        case .stream(let callback):
            callback(streamWriter(keepAlive: keepAlive, context: context))
        case .asyncStream(let callback):
            let writer = streamWriter(keepAlive: keepAlive, context: context)
            Task {
                do {
                    try await callback(writer)
                } catch {
                    writer.write(.error(error), promise: nil)
                }
            }
        case .collect:
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            response.body.collect(on: context.eventLoop).whenComplete { result in
                let (handler, context) = bound.value
                switch result {
                case .success(let buffer):
                    if let buffer, buffer.readableBytes > 0 {
                        context.write(
                            handler.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
                    }
                    handler.finish(keepAlive: keepAlive, context: context)
                case .failure:
                    context.close(promise: nil)
                }
            }
        }
    }

    private func streamWriter(keepAlive: Bool, context: ChannelHandlerContext)
        -> ChannelBodyStreamWriter
    {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        return ChannelBodyStreamWriter(context: context) { result in
            let (handler, context) = bound.value
            switch result {
            case .success:
                handler.finish(keepAlive: keepAlive, context: context)
            case .failure:
                // The head is out and the length promised: only a close tells the client.
                context.close(promise: nil)
            }
        }
    }

    private func finish(keepAlive: Bool, context: ChannelHandlerContext) {
        // Idle before the end goes out: the pipelining handler may hand over the next request
        // from inside this write.
        state = keepAlive ? .idle : .finished
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }
}

extension VaporBridgeHandler {
    /// Answers 101 with the headers `upgrader`'s protocol handler builds, takes the HTTP
    /// handlers out, and lets the protocol handler set up the pipeline after this one.
    /// Admission and head deadlines end here: the upgraded protocol keeps its own timeouts.
    private func upgrade(
        _ request: Request, head: HTTPRequestHead, response: Response, upgrader: any Upgrader,
        context: ChannelHandlerContext
    ) {
        state = .upgrading([])
        // Loop-bound: NIO's upgraders are not Sendable, and this one is used only on this loop.
        let protocolUpgrader = NIOLoopBound(
            upgrader.applyUpgrade(req: request, res: response), eventLoop: context.eventLoop)
        let upgradeHead = HTTPRequestHead(
            version: head.version, method: head.method, uri: head.uri, headers: head.headers)
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        protocolUpgrader.value.buildUpgradeResponse(
            channel: context.channel, upgradeRequest: upgradeHead, initialResponseHeaders: [:]
        ).hop(to: context.eventLoop).map { headers in
            let (handler, context) = bound.value
            var headers = headers
            headers.replaceOrAdd(name: "date", value: HTTPDate.now())
            headers.replaceOrAdd(name: "server", value: TsunaguHTTPServer.serverName)
            let responseHead = HTTPResponseHead(
                version: head.version, status: .switchingProtocols, headers: headers)
            context.write(handler.wrapOutboundOut(.head(responseHead)), promise: nil)
            context.writeAndFlush(handler.wrapOutboundOut(.end(nil)), promise: nil)
            // The decoder goes last: bytes it still holds come to this handler, held above.
            for other in handler.httpHandlers {
                _ = context.pipeline.syncOperations.removeHandler(other)
            }
            _ = context.pipeline.syncOperations.removeHandler(handler.decoder)
        }.flatMap {
            let (_, context) = bound.value
            return protocolUpgrader.value.upgrade(context: context, upgradeRequest: upgradeHead)
        }.whenComplete { result in
            let (handler, context) = bound.value
            guard case .success = result, case .upgrading(let held) = handler.state else {
                // Refused by the protocol (a bad WebSocket key) or broken half-way: either way
                // the HTTP side may be gone already, so the only safe answer is a close.
                handler.application.logger.debug("Upgrade failed: \(result)")
                handler.state = .finished
                context.close(promise: nil)
                return
            }
            handler.state = .finished
            for data in held { context.fireChannelRead(data) }
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }
}

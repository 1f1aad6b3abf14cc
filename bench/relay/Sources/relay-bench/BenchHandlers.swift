import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOWebSocket

/// Tells the endpoint at the tail that payload may flow (handshake done).
struct Ready: Sendable {}
/// Tells a sender to start.
struct Go: Sendable {}

/// What an endpoint does with the payload path once ready.
enum Behaviour: Sendable {
    /// Counts what arrives into the shared counter.
    case discard(NIOLockedValueBox<Int>)
    /// Sends everything back.
    case echo
    /// On `Go`, writes `total` bytes as fast as the channel takes them.
    case send(total: Int)
    /// On `Go`, asks the far end (a `source`) for `total` bytes and counts what arrives.
    case pull(total: Int, counter: NIOLockedValueBox<Int>)
    /// Reads an 8-byte count, then writes that many bytes as fast as the channel takes them.
    case source
    /// On `Go`, `rounds` ping-pongs of `size` bytes; RTTs in microseconds.
    case ping(rounds: Int, size: Int, results: NIOLockedValueBox<[Double]>)
    /// Nothing: an idle pair.
    case idle
}

/// The payload end of a benchmark connection.
final class BenchEndpoint: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let behaviour: Behaviour
    let ready: EventLoopPromise<Void>
    let finished: EventLoopPromise<Void>
    private var context: ChannelHandlerContext?
    private var isReady = false
    private var going = false
    private var sent = 0
    /// Bytes to send: `send`'s total, or what a `source` was asked for.
    private var target = 0
    private var request: [UInt8] = []
    private var chunk: ByteBuffer?
    private var round = 0
    private var got = 0
    private var pingStart = DispatchTime.now()
    private var rtts: [Double] = []

    init(behaviour: Behaviour, ready: EventLoopPromise<Void>, finished: EventLoopPromise<Void>) {
        self.behaviour = behaviour
        self.ready = ready
        self.finished = finished
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is Ready, !isReady {
            isReady = true
            ready.succeed()
        } else if event is Go, !going {
            going = true
            switch behaviour {
            case .send(let total):
                target = total
                pump()
            case .pull(let total, _):
                var ask = context.channel.allocator.buffer(capacity: 8)
                ask.writeInteger(UInt64(total))
                context.writeAndFlush(wrapOutboundOut(ask), promise: nil)
            case .ping: ping()
            default: break
            }
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        switch behaviour {
        case .discard(let counter), .pull(_, let counter):
            let n = buffer.readableBytes
            counter.withLockedValue { $0 += n }
        case .source where request.count < 8:
            request += buffer.readableBytesView.prefix(8 - request.count)
            guard request.count == 8 else { return }
            target = Int(request.reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            going = true
            pump()
        case .echo:
            context.write(wrapOutboundOut(buffer), promise: nil)
        case .ping(let rounds, let size, let results):
            got += buffer.readableBytes
            if got >= size {
                got -= size
                rtts.append(
                    Double((DispatchTime.now().uptimeNanoseconds - pingStart.uptimeNanoseconds))
                        / 1000)
                round += 1
                if round < rounds {
                    ping()
                } else {
                    let mine = rtts
                    results.withLockedValue { $0 += mine }
                    finished.succeed()
                }
            }
        default:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if case .echo = behaviour { context.flush() }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, going, target > sent { pump() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        ready.fail(ChannelError.ioOnClosedChannel)
        finished.fail(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }

    private func pump() {
        guard let context else { return }
        let total = target
        if chunk == nil {
            chunk = context.channel.allocator.buffer(repeating: 0x5a, count: 64 << 10)
        }
        while sent < total, context.channel.isWritable {
            let n = min(chunk!.readableBytes, total - sent)
            context.write(
                wrapOutboundOut(chunk!.getSlice(at: chunk!.readerIndex, length: n)!),
                promise: nil)
            sent += n
        }
        context.flush()
        if sent >= total { finished.succeed() }
    }

    private func ping() {
        guard let context, case .ping(_, let size, _) = behaviour else { return }
        pingStart = DispatchTime.now()
        context.writeAndFlush(
            wrapOutboundOut(context.channel.allocator.buffer(repeating: 1, count: size)),
            promise: nil)
    }
}

/// Relay TCP mode: sends the greeting on connect, swallows `WAITING`, says Ready at `PAIRED`.
final class RelayGreeting: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    let ticket: String
    private var lines = ByteBuffer()

    init(ticket: String) { self.ticket = ticket }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(
            NIOAny(context.channel.allocator.buffer(string: "TSUNAGU-RELAY/1 \(ticket)\n")),
            promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        lines.writeBuffer(&incoming)
        while let newline = lines.readableBytesView.firstIndex(of: 10) {
            let line = lines.readString(length: newline - lines.readerIndex)!
            lines.moveReaderIndex(forwardBy: 1)
            if line == "PAIRED" {
                let rest = lines
                context.fireUserInboundEventTriggered(Ready())
                if rest.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(rest)) }
                context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
                return
            } else if line.hasPrefix("ERROR") {
                say("relay refused: \(line)")
                context.close(promise: nil)
                return
            }
        }
    }
}

/// WebSocket client: writes the upgrade request, strips the response, then frames payload
/// (masked binary frames out, binary frames in); with a ticket, sends it and waits for
/// `{"status":"paired"}`.
final class WebSocketClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let host: String
    let path: String
    let ticket: String?
    private var upgraded = false
    private var response = ByteBuffer()
    /// The frame being read: header bytes until complete, then its payload as it comes.
    private var header: [UInt8] = []
    private var opcode: UInt8 = 0
    private var payloadLeft = 0
    private var inFrame = false
    private var text = ByteBuffer()

    init(host: String, path: String, ticket: String?) {
        self.host = host
        self.path = path
        self.ticket = ticket
    }

    func channelActive(context: ChannelHandlerContext) {
        let request =
            "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        context.writeAndFlush(
            wrapOutboundOut(context.channel.allocator.buffer(string: request)),
            promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        guard upgraded else {
            response.writeBuffer(&incoming)
            guard let end = response.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) else {
                return
            }
            upgraded = true
            response.moveReaderIndex(to: end.upperBound)
            var rest = response
            if let ticket {
                writeFrame(
                    context: context, opcode: 0x1,
                    payload: context.channel.allocator.buffer(string: ticket))
                context.flush()
            } else {
                context.fireUserInboundEventTriggered(Ready())
            }
            decodeFrames(context: context, &rest)
            return
        }
        decodeFrames(context: context, &incoming)
    }

    /// A minimal streaming decoder for the server's unmasked frames: binary payload goes on as
    /// it arrives (no copy, no wait for the frame's end), so that the client is not what a
    /// measurement of the proxy measures.
    private func decodeFrames(context: ChannelHandlerContext, _ input: inout ByteBuffer) {
        while input.readableBytes > 0 || (inFrame && payloadLeft == 0) {
            guard inFrame else {
                let need =
                    header.count < 2 ? 2 : 2 + [126: 2, 127: 8][Int(header[1] & 0x7F), default: 0]
                let take = min(need - header.count, input.readableBytes)
                header += input.readBytes(length: take)!
                guard header.count == need, need > 2 || header[1] & 0x7F < 126 else { continue }
                opcode = header[0] & 0x0F
                payloadLeft =
                    header.count == 2
                    ? Int(header[1] & 0x7F) : header[2...].reduce(0) { $0 << 8 | Int($1) }
                header = []
                inFrame = true
                continue
            }
            let piece = input.readSlice(length: min(payloadLeft, input.readableBytes))!
            payloadLeft -= piece.readableBytes
            switch opcode {
            case 0x2, 0x0:
                if piece.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(piece)) }
            default:
                text.writeImmutableBuffer(piece)
            }
            guard payloadLeft == 0 else { continue }
            inFrame = false
            let body = String(buffer: text)
            text.clear()
            switch opcode {
            case 0x1:
                if body.contains("paired") {
                    context.fireUserInboundEventTriggered(Ready())
                } else if body.contains("error") {
                    say("relay refused: \(body)")
                }
            case 0x8: context.close(promise: nil)
            default: break
            }
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        writeFrame(context: context, opcode: 0x2, payload: unwrapOutboundIn(data), promise: promise)
    }

    private func writeFrame(
        context: ChannelHandlerContext, opcode: UInt8, payload: ByteBuffer,
        promise: EventLoopPromise<Void>? = nil
    ) {
        var frame = context.channel.allocator.buffer(capacity: payload.readableBytes + 14)
        frame.writeInteger(0x80 | opcode)
        let n = payload.readableBytes
        if n < 126 {
            frame.writeInteger(UInt8(0x80 | n))
        } else if n <= 0xffff {
            frame.writeInteger(UInt8(0x80 | 126))
            frame.writeInteger(UInt16(n))
        } else {
            frame.writeInteger(UInt8(0x80 | 127))
            frame.writeInteger(UInt64(n))
        }
        // A zero mask keeps the client cheap; the server still unmasks every byte.
        frame.writeInteger(UInt32(0))
        var body = payload
        frame.writeBuffer(&body)
        context.write(wrapOutboundOut(frame), promise: promise)
    }
}

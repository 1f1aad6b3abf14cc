import NIOCore

/// The channel handler behind `TerminalClient`: decodes the agent's frames, completes the
/// open and the exit, feeds `TerminalOutput`, and holds reads back while its consumer lags.
final class TerminalClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case awaitingOpened
        case running
        case finished
    }

    /// `opened`: the token and the replay.
    let opened: EventLoopPromise<(TerminalToken, ByteBuffer)>
    /// `exited`, or why there is none.
    let exit: EventLoopPromise<TerminalExitStatus>
    /// Where output goes; set right after creation, on the loop.
    var source: TerminalOutput.Producer.Source?

    private var state = State.awaitingOpened
    private var processor: NIOSingleStepByteToMessageProcessor<TerminalMessageDecoder>
    private let encoder = TerminalFrameEncoder()
    private var context: ChannelHandlerContext?
    /// False while the output consumer is behind: reads are held back.
    private var producing = true
    private var readPending = false

    init(eventLoop: any EventLoop, maximumFrameSize: Int) {
        opened = eventLoop.makePromise()
        exit = eventLoop.makePromise()
        processor = NIOSingleStepByteToMessageProcessor(
            TerminalMessageDecoder(maximumFrameSize: maximumFrameSize),
            maximumBufferSize: maximumFrameSize + 5)
    }

    /// Sends `message` from this handler (the first one, before the client exists).
    func send(_ message: TerminalMessage) {
        guard let context else { return }
        context.writeAndFlush(
            wrapOutboundOut(encoder.encode(message, allocator: context.channel.allocator)),
            promise: nil)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if !context.channel.isActive { finish(.disconnected, context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish(.disconnected, context: context)
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        do {
            try processor.process(buffer: unwrapInboundIn(data)) { message in
                self.received(message, context: context)
            }
        } catch {
            finish(.protocolViolation("malformed frame: \(error)"), context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.disconnected, context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.disconnected, context: context)
    }

    func read(context: ChannelHandlerContext) {
        if producing {
            context.read()
        } else {
            readPending = true
        }
    }

    /// The consumer caught up.
    func produceMore() {
        producing = true
        if readPending, let context {
            readPending = false
            context.read()
        }
    }

    /// The consumer stopped iterating: output is dropped from now on, and reading goes on so
    /// that the exit status still arrives.
    func outputAbandoned() {
        produceMore()
    }

    private func received(_ message: TerminalMessage, context: ChannelHandlerContext) {
        switch (state, message) {
        case (.awaitingOpened, .opened(let token, let replay)):
            state = .running
            opened.succeed((token, replay))
        case (.awaitingOpened, .failure(let error)), (.running, .failure(let error)):
            finish(.refused(error), context: context)
        case (.running, .output(let bytes)):
            if source?.yield(bytes) == .stopProducing { producing = false }
        case (.running, .exited(let status)):
            state = .finished
            exit.succeed(status)
            source?.finish()
            producing = true
            context.close(promise: nil)
        case (.finished, _):
            break
        default:
            finish(.protocolViolation("unexpected \(message.type)"), context: context)
        }
    }

    /// Ends everything not yet ended with `error` and closes the channel.
    private func finish(_ error: TerminalClient.Error, context: ChannelHandlerContext) {
        let wasFinished = state == .finished
        state = .finished
        opened.fail(error)
        exit.fail(error)
        source?.finish()
        producing = true
        if !wasFinished { context.close(promise: nil) }
    }
}

@available(*, unavailable)
extension TerminalClientHandler: Sendable {}

import NIOCore

/// A terminal's output as an async sequence of byte chunks, with backpressure: while the
/// consumer is more than 16 chunks behind, the connection is not read. One consumer only
/// (a second iterator traps, as with NIO's async channels).
public struct TerminalOutput: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    typealias Producer = NIOAsyncSequenceProducer<
        ByteBuffer, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark,
        TerminalOutputDelegate
    >

    private let producer: Producer

    /// Iterates the output chunks.
    public struct AsyncIterator: AsyncIteratorProtocol {
        private var base: Producer.AsyncIterator

        fileprivate init(base: Producer.AsyncIterator) {
            self.base = base
        }

        /// The next chunk, or nil once the terminal (or the connection) ended.
        public mutating func next() async -> ByteBuffer? {
            await base.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: producer.makeAsyncIterator())
    }

    /// A sequence fed by `handler`, and the source it yields to.
    static func make(handler: NIOLoopBound<TerminalClientHandler>) -> (
        sequence: TerminalOutput, source: Producer.Source
    ) {
        let new = Producer.makeSequence(
            backPressureStrategy: .init(lowWatermark: 4, highWatermark: 16),
            finishOnDeinit: false, delegate: TerminalOutputDelegate(handler: handler))
        return (TerminalOutput(producer: new.sequence), new.source)
    }
}

/// Tells the client handler, on its event loop, when to read again.
struct TerminalOutputDelegate: NIOAsyncSequenceProducerDelegate {
    let handler: NIOLoopBound<TerminalClientHandler>

    func produceMore() {
        let handler = handler
        handler.eventLoop.execute { handler.value.produceMore() }
    }

    func didTerminate() {
        let handler = handler
        handler.eventLoop.execute { handler.value.outputAbandoned() }
    }
}

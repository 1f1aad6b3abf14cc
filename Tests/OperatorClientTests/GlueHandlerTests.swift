import NIOCore
import NIOEmbedded
import Testing

@testable import OperatorClient

/// The splice between a viewer and the relay, without sockets: two embedded channels on
/// one loop.
struct GlueHandlerTests {
    /// Counts `read()` calls that reach the channel, i.e. that the glue let through.
    private final class ReadCounter: ChannelOutboundHandler {
        typealias OutboundIn = NIOAny
        var reads = 0
        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }
    }

    private struct Pair {
        let loop = EmbeddedEventLoop()
        let viewer: EmbeddedChannel
        let relay: EmbeddedChannel
        let viewerReads = ReadCounter()
        let viewerGlue: GlueHandler
        let relayGlue: GlueHandler

        init() throws {
            viewer = EmbeddedChannel(loop: loop)
            relay = EmbeddedChannel(loop: loop)
            (viewerGlue, relayGlue) = GlueHandler.matchedPair()
            // Both ends are connected before the splice, as in `BridgeSession`.
            try viewer.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            try relay.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 2)).wait()
            try viewer.pipeline.syncOperations.addHandler(viewerReads)
            try viewer.pipeline.syncOperations.addHandler(viewerGlue)
            try relay.pipeline.syncOperations.addHandler(relayGlue)
        }
    }

    @Test func bytesGoBothWaysAndAreCounted() throws {
        let pair = try Pair()
        try pair.viewer.writeInbound(ByteBuffer(string: "viewer says"))
        #expect(
            try pair.relay.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "viewer says"))
        try pair.relay.writeInbound(ByteBuffer(string: "RFB 003.008\n"))
        #expect(
            try pair.viewer.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "RFB 003.008\n")
        )
        #expect(pair.viewerGlue.bytesForwarded == 11)
        #expect(pair.relayGlue.bytesForwarded == 12)
    }

    @Test func aSideStopsReadingWhileItsPartnerIsNotWritable() throws {
        let pair = try Pair()
        pair.viewer.read()
        #expect(pair.viewerReads.reads == 1)

        pair.relay.isWritable = false
        pair.relay.pipeline.fireChannelWritabilityChanged()
        pair.viewer.read()
        pair.viewer.read()
        #expect(pair.viewerReads.reads == 1, "held while the relay is full")

        pair.relay.isWritable = true
        pair.relay.pipeline.fireChannelWritabilityChanged()
        #expect(pair.viewerReads.reads == 2, "one held read is let through once it drains")
    }

    @Test func closingOneSideClosesTheOther() throws {
        let pair = try Pair()
        // The glue closes the relay again from the viewer's side; that second close may race.
        try? pair.relay.close().wait()
        pair.loop.run()
        #expect(!pair.relay.isActive)
        #expect(!pair.viewer.isActive)
    }

    @Test func aSideThatClosedBeforeTheSpliceEndsTheOther() throws {
        let loop = EmbeddedEventLoop()
        let viewer = EmbeddedChannel(loop: loop)
        let relay = EmbeddedChannel(loop: loop)
        try viewer.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let (viewerGlue, relayGlue) = GlueHandler.matchedPair()
        try viewer.pipeline.syncOperations.addHandler(viewerGlue)
        // The relay never connected (it is inactive): adding its half closes the viewer.
        try relay.pipeline.syncOperations.addHandler(relayGlue)
        loop.run()
        #expect(!viewer.isActive)
    }
}

import Logging
import NIOCore
import NIOEmbedded
import RFB
import Testing

@testable import Agent

/// The per-viewer handler over an EmbeddedChannel, with the desktop on the same embedded loop.
struct ViewerConnectionHandlerTests {
    let channel = EmbeddedChannel()
    let screen = TestScreen(width: 200, height: 100)

    private func connect(security: ServerSession.Security = .none) async throws -> SharedDesktop {
        let screen = self.screen
        let future = SharedDesktop.make(
            on: channel.embeddedEventLoop, logger: Logger(label: "test")
        ) {
            (screen, screen)
        }
        channel.embeddedEventLoop.run()
        let desktop = try await future.get()
        let handler = ViewerConnectionHandler(
            desktop: desktop,
            configuration: .init(name: "test", security: security, width: 0, height: 0),
            logger: Logger(label: "test"))
        try channel.pipeline.syncOperations.addHandler(handler)
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5900)).get()
        channel.embeddedEventLoop.run()
        return desktop
    }

    private func send(_ bytes: [UInt8]) throws {
        try channel.writeInbound(ByteBuffer(bytes: bytes))
        channel.embeddedEventLoop.run()
    }

    private func received() throws -> [UInt8] {
        var out: [UInt8] = []
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            out += buffer.readBytes(length: buffer.readableBytes) ?? []
        }
        return out
    }

    private func handshake() throws {
        #expect(try received() == Array("RFB 003.008\n".utf8))
        try send(Array("RFB 003.008\n".utf8))
        #expect(try received() == [1, 1])
        try send([1])
        #expect(try received() == [0, 0, 0, 0])
        try send([1])
        let serverInit = try received()
        #expect(serverInit.prefix(4) == [0, 200, 0, 100])
    }

    private func setEncodings(_ list: [Int32]) -> [UInt8] {
        [2, 0] + ClientMessageSamples.u16(list.count)
            + list.flatMap { ClientMessageSamples.u32(UInt32(bitPattern: $0)) }
    }

    private func request(incremental: Bool) -> [UInt8] {
        [3, incremental ? 1 : 0, 0, 0, 0, 0, 0, 200, 0, 100]
    }

    @Test func fullUpdateDecodesToTheScreen() async throws {
        _ = try await connect()
        try handshake()
        try send(setEncodings([0, -308, -258]))
        try send(request(incremental: false))
        let update = try UpdateDecoder.decode(try received(), width: 200, height: 100)
        #expect(update.pseudo.contains(-308))
        #expect(update.pseudo.contains(-258))
        #expect(update.frame == screen.frame)
        // Nothing changed: an incremental request waits.
        try send(request(incremental: true))
        #expect(try received().isEmpty)
        // A change in one tile sends the changed pixel only.
        screen.frame[150, 70] = 0xFFFFFF
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(20))
        let next = try UpdateDecoder.decode(
            try received(), width: 200, height: 100, base: update.frame)
        #expect(next.rects == [Rect(x: 150, y: 70, width: 1, height: 1)])
        #expect(next.frame == screen.frame)
    }

    @Test func wrongPasswordClosesOnlyAfterReason() async throws {
        _ = try await connect(security: .vncPassword("secret"))
        _ = try received()
        try send(Array("RFB 003.008\n".utf8))
        #expect(try received() == [1, 2])
        try send([2])
        #expect(try received().count == 16)
        try send([UInt8](repeating: 0, count: 16))
        #expect(try received().prefix(4) == [0, 0, 0, 1])
        #expect(!channel.isActive)
    }

    @Test func badBytesCloseTheConnection() async throws {
        _ = try await connect()
        try handshake()
        try send([99])
        #expect(!channel.isActive)
    }

    @Test func inputReachesTheSink() async throws {
        _ = try await connect()
        try handshake()
        try send([4, 1, 0, 0, 0, 0, 0xFF, 0x0D])
        try send([5, 1, 0, 10, 0, 20])
        try send([255, 0, 0, 1, 0, 0, 0, 0x61, 0, 0, 0, 0x1E])
        try send([6, 0, 0, 0, 0, 0, 0, 2, 0x68, 0x69])
        #expect(screen.keys.map(\.0) == [0xFF0D])
        #expect(screen.pointers.map { [$0.0, $0.1, Int($0.2)] } == [[10, 20, 1]])
        #expect(screen.scancodes == [0x1E])
        #expect(screen.pasted == ["hi"])
    }

    @Test func backpressureHoldsUpdatesUntilWritable() async throws {
        _ = try await connect()
        try handshake()
        try send(setEncodings([0]))
        channel.isWritable = false
        try send(request(incremental: false))
        #expect(try received().isEmpty)
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        channel.embeddedEventLoop.run()
        #expect(
            try UpdateDecoder.decode(try received(), width: 200, height: 100).frame == screen.frame)
    }

    @Test func continuousUpdatesAndFences() async throws {
        _ = try await connect()
        try handshake()
        try send(setEncodings([0, -313, -312]))
        // EndOfContinuousUpdates, then our first fence (request flag).
        #expect(try received() == [150, 248, 0, 0, 0, 0x80, 0, 0, 0, 0])
        try send([150, 1, 0, 0, 0, 0, 0, 200, 0, 100])
        // The viewer has seen nothing yet: the whole screen comes first, unasked.
        #expect(
            try UpdateDecoder.decode(try received(), width: 200, height: 100).frame == screen.frame)
        screen.frame[5, 5] = 0
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(20))
        let update = try UpdateDecoder.decode(try received(), width: 200, height: 100)
        #expect(update.rects == [Rect(x: 5, y: 5, width: 1, height: 1)])
        // A fence request is answered with the request flag cleared and the payload echoed.
        try send([248, 0, 0, 0, 0x80, 0, 0, 0x03, 2, 7, 7])
        #expect(try received() == [248, 0, 0, 0, 0, 0, 0, 0x03, 2, 7, 7])
        try send([150, 0, 0, 0, 0, 0, 0, 200, 0, 100])
        #expect(try received() == [150])
    }

    @Test func clipboardBothWaysWithExtendedClipboard() async throws {
        _ = try await connect()
        try handshake()
        try send(setEncodings([0, RFBConstants.Encoding.extendedClipboard]))
        var caps: [UInt8] = []
        ServerMessageWriter.extendedClipboard(
            .caps(.text, actions: ExtendedClipboard.Actions.all, maxSizes: [10 << 20]), into: &caps)
        #expect(try received() == caps)
        // The viewer's caps: it wants notifications.
        var message: [UInt8] = []
        ServerMessageWriter.extendedClipboard(
            .caps(.text, actions: [.request, .notify, .provide], maxSizes: [1 << 20]),
            into: &message)
        message[0] = 6
        try send(message)
        try send(request(incremental: false))
        _ = try received()
        // The customer copies: the viewer is notified, requests, gets the text.
        screen.clipboard = "日本語\nline"
        try send(request(incremental: true))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(20))
        var notify: [UInt8] = []
        ServerMessageWriter.extendedClipboard(.notify(.text), into: &notify)
        #expect(try received() == notify)
        var request: [UInt8] = []
        ServerMessageWriter.extendedClipboard(.request(.text), into: &request)
        request[0] = 6
        try send(request)
        var provide: [UInt8] = []
        ServerMessageWriter.extendedClipboard(.provide(text: "日本語\nline"), into: &provide)
        #expect(try received() == provide)
        // The operator pastes.
        var paste: [UInt8] = []
        ServerMessageWriter.extendedClipboard(.provide(text: "from operator"), into: &paste)
        paste[0] = 6
        try send(paste)
        #expect(screen.pasted == ["from operator"])
    }
}

import Foundation
import NIOCore
import TestSupport
import Testing

@testable import Relay

/// Feeds mutated client streams to the streaming WebSocket reader in random pieces: nothing
/// may crash, every call must consume its input or stop, and an unmutated stream must give the
/// same events however it is split. `TSUNAGU_FUZZ_INPUTS` overrides the count (default 100,000).
@Suite struct WebSocketStreamDecoderFuzzTests {
    static var inputCount: Int {
        ProcessInfo.processInfo.environment["TSUNAGU_FUZZ_INPUTS"].flatMap(Int.init) ?? 100_000
    }

    static let samples: [[UInt8]] = [
        WebSocketWire.clientFrame(opcode: 0x1, payload: Array("eyJhbGciOi.ticket".utf8)),
        WebSocketWire.clientFrame(opcode: 0x2, payload: Array(0..<40)),
        WebSocketWire.clientFrame(opcode: 0x2, fin: false, payload: [1, 2, 3])
            + WebSocketWire.clientFrame(opcode: 0x9, payload: [7])
            + WebSocketWire.clientFrame(opcode: 0x0, payload: [4, 5]),
        WebSocketWire.clientFrame(opcode: 0x2, payload: Array(repeating: 0x33, count: 200)),
        WebSocketWire.clientFrame(opcode: 0x8, payload: [0x03, 0xE8, 0x62, 0x79, 0x65]),
        WebSocketWire.clientFrame(opcode: 0xA, payload: []),
        WebSocketWire.clientHeader(opcode: 0x2, length: 5) + [1, 2, 3, 4, 5],
    ]

    @Test func decoderSurvivesCorpus() {
        var rng = SeededGenerator(state: 0x7773_7265_6C61_79)
        var events = 0
        var failures = 0
        let start = Date()
        for i in 0..<Self.inputCount {
            let base =
                Self.samples.randomElement(using: &rng)! + Self.samples.randomElement(using: &rng)!
            let input =
                i % 5 == 4
                ? (0..<Int.random(in: 0...64, using: &rng)).map { _ in
                    UInt8.random(in: 0...255, using: &rng)
                } : ByteFuzzing.mutate(base, &rng)
            var decoder = WebSocketStreamDecoder(maxFrameSize: 4096, maxTextSize: 256)
            var index = 0
            outer: while index < input.count {
                let end = min(index + Int.random(in: 1...16, using: &rng), input.count)
                var piece = ByteBuffer(bytes: input[index..<end])
                let pieceBytes = end - index
                index = end
                var calls = 0
                while true {
                    calls += 1
                    // Each event takes at least a frame header's two bytes; the last call
                    // finds nothing.
                    precondition(calls <= pieceBytes / 2 + 2)
                    do {
                        guard try decoder.next(from: &piece) != nil else { break }
                        events += 1
                    } catch {
                        failures += 1
                        break outer
                    }
                }
                #expect(piece.readableBytes == 0)
            }
        }
        print(
            "fuzz: \(Self.inputCount) WebSocket streams, \(events) events, \(failures) refused, "
                + String(format: "%.1f s", Date().timeIntervalSince(start)))
        #expect(events > 0 && failures > 0)
    }

    @Test func validStreamsDecodeAlikeInAnyPieces() throws {
        var rng = SeededGenerator(state: 99)
        let stream = Self.samples.dropLast(3).reduce([], +)
        let whole = try WebSocketStreamDecoderTests.decode([stream])
        for _ in 0..<2000 {
            var chunks: [[UInt8]] = []
            var index = 0
            while index < stream.count {
                let end = min(index + Int.random(in: 1...40, using: &rng), stream.count)
                chunks.append(Array(stream[index..<end]))
                index = end
            }
            #expect(try WebSocketStreamDecoderTests.decode(chunks) == whole)
        }
    }
}

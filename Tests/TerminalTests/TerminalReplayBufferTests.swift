import NIOCore
import TestSupport
import Testing

@testable import Terminal

/// The replay buffer keeps exactly the last `limit` bytes, whatever the sizes of the pieces.
@Suite struct TerminalReplayBufferTests {
    @Test func keepsTheLastBytesUpToTheLimit() {
        var rng = SeededGenerator(state: 7)
        for limit in [0, 1, 10, 100, 4096] {
            var replay = TerminalReplayBuffer(limit: limit)
            var everything: [UInt8] = []
            for _ in 0..<500 {
                let piece = (0..<Int.random(in: 0...300, using: &rng)).map { _ in
                    UInt8.random(in: 0...0x7F, using: &rng)  // ASCII: no UTF-8 trimming
                }
                everything += piece
                replay.append(ByteBuffer(bytes: piece))
                #expect(replay.count <= limit)
                #expect(Array(replay.contents.readableBytesView) == Array(everything.suffix(limit)))
            }
        }
    }

    @Test func aPieceLargerThanTheLimitKeepsItsTail() {
        var replay = TerminalReplayBuffer(limit: 8)
        replay.append(ByteBuffer(string: "abc"))
        replay.append(ByteBuffer(string: "0123456789"))
        #expect(String(buffer: replay.contents) == "23456789")
        replay.append(ByteBuffer(string: "xy"))
        #expect(String(buffer: replay.contents) == "456789xy")
    }

    @Test func aCutNeverStartsInsideACharacter() {
        var replay = TerminalReplayBuffer(limit: 5)
        // "あい" is 6 bytes: the limit cuts the first character, whose tail is skipped.
        replay.append(ByteBuffer(string: "あい"))
        #expect(String(buffer: replay.contents) == "い")
        var whole = TerminalReplayBuffer(limit: 6)
        whole.append(ByteBuffer(string: "あい"))
        #expect(String(buffer: whole.contents) == "あい")
    }

    @Test func theSessionsLimitStaysInsideOneFrame() {
        let configuration = TerminalSessions.Configuration(replayLimit: 10 << 20)
        #expect(configuration.replayLimit < TerminalProtocol.defaultMaximumFrameSize - 64 - 1)
    }
}

import NIOCore
import TestSupport
import Testing

@testable import Terminal

/// The decoder reads bytes from the network: random and mutated input must end in a message,
/// "need more data" or a typed error, never a trap or a hang; and whatever it accepts must
/// encode back to a frame that decodes to the same message.
@Suite struct TerminalDecoderFuzzTests {
    /// Decodes `bytes` fed in random pieces; the messages until the first error.
    static func decode(_ bytes: [UInt8], _ rng: inout SeededGenerator) -> (
        messages: [TerminalMessage], failed: Bool
    ) {
        var decoder = TerminalFrameDecoder(maximumFrameSize: 4096)
        var buffer = ByteBuffer()
        var messages: [TerminalMessage] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + Int.random(in: 1...64, using: &rng))
            buffer.writeBytes(bytes[offset..<end])
            offset = end
            do {
                while case .message(let message) = try decoder.decode(&buffer) {
                    messages.append(message)
                }
            } catch {
                return (messages, true)
            }
        }
        return (messages, false)
    }

    static func checkReencoding(_ messages: [TerminalMessage]) {
        for message in messages {
            let frame = TerminalCodecTests.frame(message)
            var decoder = TerminalFrameDecoder()
            var buffer = ByteBuffer(bytes: frame)
            #expect((try? decoder.decode(&buffer)) == .message(message), "\(message)")
        }
    }

    @Test func mutatedFramesNeverTrap() {
        var rng = SeededGenerator(state: 0x7E57_7E57)
        let corpus = TerminalCodecTests.samples.map(TerminalCodecTests.frame)
        var accepted = 0
        var refused = 0
        for _ in 0..<20_000 {
            // One to three frames back to back, then mutated.
            var input: [UInt8] = []
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                input += corpus.randomElement(using: &rng)!
            }
            let mutated = ByteFuzzing.mutate(input, &rng)
            let (messages, failed) = Self.decode(mutated, &rng)
            Self.checkReencoding(messages)
            accepted += messages.count
            if failed { refused += 1 }
        }
        // Both outcomes happen, so the loop exercised the parser rather than one early exit.
        #expect(accepted > 1000)
        #expect(refused > 1000)
    }

    @Test func randomBytesNeverTrap() {
        var rng = SeededGenerator(state: 42)
        var refused = 0
        for _ in 0..<20_000 {
            let count = Int.random(in: 0...96, using: &rng)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Plausible headers more often than chance: small lengths, known types.
            if bytes.count >= 5 && Bool.random(using: &rng) {
                bytes[0] = 0
                bytes[1] = 0
                bytes[2] = 0
                bytes[3] = UInt8.random(in: 1...UInt8(min(91, bytes.count - 4)), using: &rng)
                bytes[4] = UInt8.random(in: 1...8, using: &rng)
            }
            let (messages, failed) = Self.decode(bytes, &rng)
            Self.checkReencoding(messages)
            if failed { refused += 1 }
        }
        #expect(refused > 5000)
    }
}

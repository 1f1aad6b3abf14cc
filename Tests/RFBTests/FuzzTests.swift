import Foundation
import TestSupport
import Testing

@testable import RFB

/// Feeds a seeded corpus of mutated valid messages and random bytes through the parser and
/// the session: nothing may crash, and every input must finish (each step consumes bytes or
/// stops). `TSUNAGU_FUZZ_INPUTS` overrides the count (default 1,000,000).
struct FuzzTests {
    static var inputCount: Int {
        ProcessInfo.processInfo.environment["TSUNAGU_FUZZ_INPUTS"].flatMap(Int.init) ?? 1_000_000
    }

    private static let expectations: [ClientMessageParser.Expectation] = [
        .protocolVersion, .securityType, .vncAuthResponse, .clientInit, .messages,
    ]

    @Test func parserSurvivesCorpus() {
        var rng = SeededGenerator(state: 0x7473_756E_6167_75)
        let samples =
            ClientMessageSamples.messages.map(\.1) + [
                Array("RFB 003.008\n".utf8), [1], [2], Array(0..<16),
            ]
        let limits = ClientMessageParser.Limits(maxCutTextLength: 1 << 16, maxEncodings: 64)
        let count = Self.inputCount
        let start = Date()
        var messages = 0
        var errors = 0
        for i in 0..<count {
            let input: [UInt8]
            if i % 4 == 3 {
                input = (0..<Int.random(in: 0...48, using: &rng)).map { _ in
                    UInt8.random(in: 0...255, using: &rng)
                }
            } else {
                let a = samples.randomElement(using: &rng)!
                let b = i % 3 == 0 ? samples.randomElement(using: &rng)! : []
                input = ByteFuzzing.mutate(a + b, &rng)
            }
            var parser = ClientMessageParser(
                expecting: Self.expectations.randomElement(using: &rng)!, limits: limits)
            let chunk = Int.random(in: 1...max(1, input.count), using: &rng)
            var index = 0
            var steps = 0
            outer: while index < input.count {
                let end = min(index + chunk, input.count)
                parser.feed(input[index..<end])
                index = end
                while true {
                    steps += 1
                    // Every message consumes at least one byte, so steps are bounded.
                    precondition(steps <= input.count + 2 * (input.count / max(chunk, 1)) + 4)
                    do {
                        guard case .message = try parser.next() else { break }
                        messages += 1
                    } catch {
                        errors += 1
                        break outer
                    }
                }
            }
        }
        let seconds = Date().timeIntervalSince(start)
        print(
            "fuzz: \(count) inputs, \(messages) messages, \(errors) errors, \(String(format: "%.1f", seconds)) s"
        )
        #expect(messages > 0 && errors > 0)
    }

    @Test func sessionSurvivesRandomHandshakes() {
        var rng = SeededGenerator(state: 42)
        let prefix = Array("RFB 003.008\n".utf8)
        for i in 0..<20_000 {
            var session = ServerSession(
                configuration: .init(
                    name: "f", security: i % 2 == 0 ? .none : .vncPassword("pw"), width: 10,
                    height: 10),
                challenge: Array(0..<16))
            _ = session.start()
            let tail = ClientMessageSamples.messages.randomElement(using: &rng)!.1
            let input = ByteFuzzing.mutate(prefix + [UInt8(1 + i % 2)] + [1] + tail, &rng)
            _ = session.receive(input)
        }
    }
}

import NIOCore
import Testing

@testable import Terminal

/// The codec against itself (round trips, any split of the bytes), against PROTOCOL.md's
/// examples, and against each kind of malformed frame.
@Suite struct TerminalCodecTests {
    static let token = TerminalToken(bytes: Array(0..<32))!

    /// One message of every type, with the edge values of their fields.
    static let samples: [TerminalMessage] = [
        .open(TerminalOpenRequest(size: TerminalSize(columns: 80, rows: 24))),
        .open(
            TerminalOpenRequest(
                size: TerminalSize(columns: .max, rows: 1),
                command: ["sh", "-c", "echo 日本語 $X", ""],
                environment: ["X": "値", "EMPTY": "", "COLORTERM": "truecolor"])),
        .attach(token),
        .attach(TerminalToken(bytes: Array(repeating: 0xFF, count: 64))!),
        .opened(token: token, replay: ByteBuffer()),
        .opened(token: token, replay: ByteBuffer(bytes: [0x1B, 0x5B, 0x48, 0xE3, 0x81, 0x82])),
        .input(ByteBuffer(string: "ls -l\r")),
        .input(ByteBuffer()),
        .output(ByteBuffer(bytes: (0...255).map { UInt8($0) })),
        .resize(TerminalSize(columns: 120, rows: 40)),
        .resize(TerminalSize(columns: 0, rows: 0)),
        .exited(.exited(0)),
        .exited(.exited(255)),
        .exited(.signaled(9)),
        .failure(TerminalError(.notFound, "no terminal")),
        .failure(TerminalError(.takenOver, "")),
    ]

    static func frame(_ message: TerminalMessage) -> [UInt8] {
        var buffer = ByteBuffer()
        TerminalFrameEncoder().encode(message, into: &buffer)
        return Array(buffer.readableBytesView)
    }

    /// Every message decoded from `bytes`, fed `step` bytes at a time.
    static func decodeAll(_ bytes: [UInt8], step: Int) throws -> [TerminalMessage] {
        var decoder = TerminalFrameDecoder()
        var buffer = ByteBuffer()
        var messages: [TerminalMessage] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + step)
            buffer.writeBytes(bytes[offset..<end])
            offset = end
            while case .message(let message) = try decoder.decode(&buffer) {
                messages.append(message)
            }
        }
        #expect(buffer.readableBytes == 0)
        return messages
    }

    @Test func everyMessageRoundTrips() throws {
        for message in Self.samples {
            #expect(try Self.decodeAll(Self.frame(message), step: .max) == [message])
        }
    }

    @Test func framesSurviveAnySplit() throws {
        let stream = Self.samples.flatMap(Self.frame)
        for step in [1, 2, 3, 5, 7, 64, 1000] {
            #expect(try Self.decodeAll(stream, step: step) == Self.samples)
        }
    }

    @Test func everyTypeHasASample() {
        #expect(Set(Self.samples.map(\.type)) == Set(TerminalMessageType.allCases))
    }

    /// The bytes PROTOCOL.md shows, so that a client written from it agrees with this codec.
    @Test func protocolDocumentExamples() throws {
        func hex(_ text: String) -> [UInt8] {
            text.split(separator: " ").map { UInt8($0, radix: 16)! }
        }
        let examples: [(TerminalMessage, String)] = [
            (
                .open(TerminalOpenRequest(size: TerminalSize(columns: 80, rows: 24))),
                "00 00 00 0a 01 01 00 50 00 18 00 00 00 00"
            ),
            (
                .open(
                    TerminalOpenRequest(
                        size: TerminalSize(columns: 80, rows: 24), command: ["sh", "-c", "exit 7"],
                        environment: ["LANG": "C"])),
                "00 00 00 23 01 01 00 50 00 18 00 03 00 02 73 68 00 02 2d 63 00 06 65 78 69 74 20 37"
                    + " 00 01 00 04 4c 41 4e 47 00 01 43"
            ),
            (.input(ByteBuffer(string: "ls\r")), "00 00 00 04 04 6c 73 0d"),
            (.resize(TerminalSize(columns: 120, rows: 40)), "00 00 00 05 06 00 78 00 28"),
            (.exited(.exited(7)), "00 00 00 06 07 00 00 00 00 07"),
            (
                .failure(TerminalError(.notFound, "no terminal")),
                "00 00 00 19 08 00 09 6e 6f 74 5f 66 6f 75 6e 64 00 0b 6e 6f 20 74 65 72 6d 69 6e 61 6c"
            ),
        ]
        for (message, bytes) in examples {
            #expect(Self.frame(message) == hex(bytes), "\(message)")
            #expect(try Self.decodeAll(hex(bytes), step: 1) == [message])
        }
    }

    @Test func errorCodesAreTheDocumentedSet() {
        #expect(
            Set(TerminalError.Code.allCases.map(\.rawValue)) == [
                "terminal_disabled", "not_found", "spawn_failed", "bad_request",
                "unsupported_version", "taken_over",
            ])
    }

    /// The first error of decoding `bytes` in one piece, or nil.
    static func firstError(_ bytes: [UInt8], maximumFrameSize: Int = 1 << 20)
        -> TerminalFrameDecoder.FrameError?
    {
        var decoder = TerminalFrameDecoder(maximumFrameSize: maximumFrameSize)
        var buffer = ByteBuffer(bytes: bytes)
        do {
            while case .message = try decoder.decode(&buffer) {}
            return nil
        } catch {
            return error
        }
    }

    /// A frame of `type` with `payload`.
    static func raw(_ type: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let length = UInt32(payload.count + 1)
        return [
            UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF),
            UInt8(length & 0xFF), type,
        ] + payload
    }

    @Test func malformedFramesAreRefused() {
        typealias E = TerminalFrameDecoder.FrameError
        #expect(Self.firstError([0, 0, 0, 0, 1]) == E.emptyFrame)
        #expect(Self.firstError(Self.raw(0x09, [])) == E.unknownType(0x09))
        #expect(Self.firstError(Self.raw(0x00, [])) == E.unknownType(0x00))
        #expect(
            Self.firstError([0, 0x10, 0, 1, 5], maximumFrameSize: 1 << 20)
                == E.frameTooLarge(length: 0x10_0001, maximum: 1 << 20))
        // The limit holds from the header on: no payload is awaited.
        #expect(
            Self.firstError([0, 0, 0x08, 0, 5], maximumFrameSize: 2000)
                == E.frameTooLarge(length: 2048, maximum: 2000))
        #expect(Self.firstError(Self.raw(0x06, [0, 80, 0])) == E.truncated(.resize))
        #expect(
            Self.firstError(Self.raw(0x06, [0, 80, 0, 24, 0])) == E.trailingBytes(.resize, count: 1)
        )
        #expect(
            Self.firstError(Self.raw(0x01, [2, 0, 80, 0, 24, 0, 0, 0, 0]))
                == E.unsupportedVersion(2))
        #expect(Self.firstError(Self.raw(0x02, [1] + Array(repeating: 7, count: 15))) != nil)
        #expect(
            Self.firstError(Self.raw(0x07, [0, 0, 0, 1, 0]))
                == E.invalidValue(.exited, field: "exit status"))
        #expect(
            Self.firstError(Self.raw(0x07, [1, 0, 0, 0, 0]))
                == E.invalidValue(.exited, field: "exit status"))
        #expect(
            Self.firstError(Self.raw(0x07, [2, 0, 0, 0, 0]))
                == E.invalidValue(.exited, field: "exit status"))
        // Invalid UTF-8 in a failure's code.
        #expect(Self.firstError(Self.raw(0x08, [0, 1, 0xFF, 0, 0])) == E.invalidUTF8(.failure))
        #expect(
            Self.firstError(Self.raw(0x08, [0, 1, 0x41, 0, 0]))
                == E.invalidValue(.failure, field: "code"))
        // An environment name with "=", a repeated name, a NUL in an argument.
        let openHead: [UInt8] = [1, 0, 80, 0, 24]
        #expect(
            Self.firstError(Self.raw(0x01, openHead + [0, 0, 0, 1, 0, 3, 0x41, 0x3D, 0x42, 0, 0]))
                == E.invalidValue(.open, field: "environment name"))
        #expect(
            Self.firstError(
                Self.raw(0x01, openHead + [0, 0, 0, 2, 0, 1, 0x41, 0, 0, 0, 1, 0x41, 0, 0]))
                == E.invalidValue(.open, field: "environment name (repeated)"))
        #expect(
            Self.firstError(Self.raw(0x01, openHead + [0, 1, 0, 2, 0x41, 0, 0, 0]))
                == E.invalidValue(.open, field: "argument"))
    }

    @Test func aFailedDecoderStaysFailed() {
        var decoder = TerminalFrameDecoder()
        var bad = ByteBuffer(bytes: [0, 0, 0, 0, 1])
        #expect(throws: TerminalFrameDecoder.FrameError.emptyFrame) { try decoder.decode(&bad) }
        var good = ByteBuffer(bytes: Self.frame(.resize(TerminalSize(columns: 1, rows: 1))))
        #expect(throws: TerminalFrameDecoder.FrameError.alreadyFailed) { try decoder.decode(&good) }
    }

    @Test func requestsTheWireCannotCarryAreCaughtBeforeSending() {
        let size = TerminalSize(columns: 80, rows: 24)
        #expect(TerminalOpenRequest(size: size, command: ["ls"]).validationProblem == nil)
        #expect(TerminalOpenRequest(size: size, command: ["a\u{0}b"]).validationProblem != nil)
        #expect(
            TerminalOpenRequest(size: size, command: [String(repeating: "x", count: 70_000)])
                .validationProblem != nil)
        #expect(
            TerminalOpenRequest(size: size, command: Array(repeating: "x", count: 1025))
                .validationProblem != nil)
        #expect(TerminalOpenRequest(size: size, environment: ["A=B": "c"]).validationProblem != nil)
        #expect(TerminalOpenRequest(size: size, environment: ["": "c"]).validationProblem != nil)
    }

    @Test func longFailureMessagesAreCutBetweenCharacters() throws {
        // 3-byte characters: 65,535 is a multiple of 3, so use a 1-byte lead to misalign.
        let message = "a" + String(repeating: "日", count: 30_000)
        let decoded = try Self.decodeAll(
            Self.frame(.failure(TerminalError(.badRequest, message))), step: .max)
        guard case .failure(let error) = try #require(decoded.first) else {
            Issue.record("not a failure: \(decoded)")
            return
        }
        #expect(error.message.utf8.count <= 65_535)
        #expect(error.message.utf8.count > 65_000)
        #expect(message.hasPrefix(error.message))
    }

    @Test func tokensPrintAsHexAndParseBack() throws {
        let token = TerminalToken.random()
        #expect(token.bytes.count == 32)
        #expect(TerminalToken(hex: token.hex) == token)
        #expect(TerminalToken(hex: token.hex.uppercased()) == token)
        #expect(TerminalToken(hex: "abc") == nil)
        #expect(TerminalToken(hex: String(repeating: "zz", count: 16)) == nil)
        #expect(TerminalToken(bytes: Array(repeating: 0, count: 15)) == nil)
        #expect(TerminalToken(bytes: Array(repeating: 0, count: 65)) == nil)
        #expect(!token.description.contains(token.hex))
        #expect(TerminalToken.random() != token)
    }

    @Test func exitStatusCodesFollowTheShell() {
        #expect(TerminalExitStatus.exited(7).code == 7)
        #expect(TerminalExitStatus.signaled(15).code == 143)
    }
}

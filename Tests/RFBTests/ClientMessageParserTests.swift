import Testing

@testable import RFB

struct ClientMessageParserTests {
    typealias Samples = ClientMessageSamples

    /// Parses everything in `bytes`, fed `chunk` bytes at a time.
    private func parseAll(
        _ bytes: [UInt8], chunk: Int, expecting: ClientMessageParser.Expectation = .messages,
        limits: ClientMessageParser.Limits = .init()
    ) throws -> [ClientMessage] {
        var parser = ClientMessageParser(expecting: expecting, limits: limits)
        var out: [ClientMessage] = []
        var index = 0
        while index < bytes.count {
            let end = min(index + chunk, bytes.count)
            parser.feed(bytes[index..<end])
            index = end
            while case .message(let message) = try parser.next() { out.append(message) }
        }
        #expect(parser.bufferedByteCount == 0)
        return out
    }

    @Test func everyMessageAllAtOnce() throws {
        let samples = Samples.messages
        let stream = samples.flatMap(\.1)
        #expect(try parseAll(stream, chunk: stream.count) == samples.map(\.0))
    }

    @Test func everyMessageByteAtATime() throws {
        let samples = Samples.messages
        let stream = samples.flatMap(\.1)
        #expect(try parseAll(stream, chunk: 1) == samples.map(\.0))
    }

    @Test func eachMessageAlone() throws {
        for (message, bytes) in Samples.messages {
            #expect(try parseAll(bytes, chunk: 1) == [message])
            // One byte short is never a message.
            var parser = ClientMessageParser(expecting: .messages)
            parser.feed(bytes.dropLast())
            #expect(try parser.next() == .needMoreData)
        }
    }

    @Test func handshakeMessages() throws {
        #expect(
            try parseAll(Array("RFB 003.008\n".utf8), chunk: 1, expecting: .protocolVersion)
                == [.protocolVersion(major: 3, minor: 8)])
        #expect(try parseAll([2], chunk: 1, expecting: .securityType) == [.securityType(2)])
        #expect(
            try parseAll(Array(0..<16), chunk: 3, expecting: .vncAuthResponse)
                == [.vncAuthResponse(Array(0..<16))])
        #expect(try parseAll([1], chunk: 1, expecting: .clientInit) == [.clientInit(shared: true)])
        #expect(try parseAll([0], chunk: 1, expecting: .clientInit) == [.clientInit(shared: false)])
    }

    private func expectError(
        _ bytes: [UInt8], expecting: ClientMessageParser.Expectation = .messages,
        limits: ClientMessageParser.Limits = .init(),
        _ check: (ClientMessageParser.ParseError) -> Bool
    ) {
        var parser = ClientMessageParser(expecting: expecting, limits: limits)
        parser.feed(bytes)
        do {
            while case .message = try parser.next() {}
            Issue.record("no error for \(bytes.prefix(16))")
        } catch {
            #expect(check(error), "unexpected \(error)")
            // The parser stays failed.
            #expect(throws: ClientMessageParser.ParseError.failed) { try parser.next() }
        }
    }

    @Test func badVersion() {
        expectError(Array("HTTP/1.1 200".utf8), expecting: .protocolVersion) {
            if case .badProtocolVersion = $0 { return true } else { return false }
        }
        expectError(Array("RFB 003.00x\n".utf8), expecting: .protocolVersion) {
            if case .badProtocolVersion = $0 { return true } else { return false }
        }
    }

    @Test func unknownTypes() {
        expectError([7]) { $0 == .unknownMessageType(7) }
        expectError([255, 1]) { $0 == .unknownQEMUSubtype(1) }
    }

    @Test func limits() {
        let limits = ClientMessageParser.Limits(
            maxCutTextLength: 100, maxEncodings: 4, maxScreens: 2)
        expectError([2, 0, 0, 5], limits: limits) { $0 == .tooManyEncodings(count: 5, limit: 4) }
        expectError([6, 0, 0, 0] + Samples.u32(101), limits: limits) {
            $0 == .cutTextTooLong(length: 101, limit: 100)
        }
        // Int32.min has no positive counterpart; it must not trap.
        expectError([6, 0, 0, 0, 0x80, 0, 0, 0]) {
            if case .cutTextTooLong = $0 { return true } else { return false }
        }
        expectError([6, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0]) {
            $0 == .invalidExtendedClipboard(.tooShort)
        }
        expectError([251, 0, 0, 1, 0, 1, 3, 0], limits: limits) {
            $0 == .tooManyScreens(count: 3, limit: 2)
        }
        expectError([248, 0, 0, 0, 0, 0, 0, 0, 65]) { $0 == .fencePayloadTooLong(65) }
    }

    @Test func badPixelFormats() {
        let colourMap: [UInt8] = [0, 0, 0, 0, 8, 8, 0, 0] + [UInt8](repeating: 0, count: 12)
        expectError(colourMap) { $0 == .unsupportedPixelFormat(bitsPerPixel: 8, trueColour: false) }
        let bpp24: [UInt8] = [0, 0, 0, 0, 24, 24, 0, 1] + [UInt8](repeating: 0, count: 12)
        expectError(bpp24) { $0 == .unsupportedPixelFormat(bitsPerPixel: 24, trueColour: true) }
    }

    @Test func extendedClipboardErrors() {
        // Negative length shorter than the flags word.
        expectError([6, 0, 0, 0] + Samples.u32(UInt32(bitPattern: -2)) + [0, 0]) {
            $0 == .invalidExtendedClipboard(.tooShort)
        }
        // No action bit.
        expectError([6, 0, 0, 0] + Samples.u32(UInt32(bitPattern: -4)) + Samples.u32(1)) {
            $0 == .invalidExtendedClipboard(.noAction)
        }
        // Provide with garbage instead of zlib.
        expectError(
            [6, 0, 0, 0] + Samples.u32(UInt32(bitPattern: -8)) + Samples.u32(0x1000_0001) + [
                1, 2, 3, 4,
            ]
        ) {
            $0 == .invalidExtendedClipboard(.badCompressedData)
        }
        // A zlib bomb: 1 MiB of zeros from a few KiB must stop at the limit.
        var plain = Samples.u32(1 << 20)
        plain += [UInt8](repeating: 0x41, count: 1 << 20)
        let compressed = ExtendedClipboard.deflate(plain)
        let payload = Samples.u32(0x1000_0001) + compressed
        let limits = ClientMessageParser.Limits(maxCutTextLength: 64 * 1024)
        expectError(
            [6, 0, 0, 0] + Samples.u32(UInt32(bitPattern: -Int32(payload.count))) + payload,
            limits: limits
        ) {
            $0 == .invalidExtendedClipboard(.decompressedTooLarge(limit: 64 * 1024))
        }
    }

    @Test func extendedClipboardTextRoundTrip() throws {
        let text = "line 1\nline 2 — 日本語\n"
        let payload = ExtendedClipboard.encode(.provide(text: text))
        #expect(try ExtendedClipboard.decode(payload[...], limit: 1 << 20) == .provide(text: text))
        #expect(ExtendedClipboard.encodeText("a\nb") == [0x61, 0x0D, 0x0A, 0x62, 0])
    }
}

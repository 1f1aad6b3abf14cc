import Crypto
import FileTransfer
import NIOCore
import TestSupport
import Testing

@Suite("Files channel codec")
struct FileCodecTests {
    static let digest = FileDigest(SHA256.hash(data: [1, 2, 3]))
    static let time = FileTimestamp(seconds: 1_764_000_000, nanoseconds: 123_456_789)
    static let entry = FileEntry(
        name: "報告書.pdf", kind: .file, size: 1 << 33, mode: 0o644, modified: time)

    /// One of every message, with fields off their defaults.
    static let samples: [FileMessage] = [
        .hello(version: 1),
        .list(requestID: 7, path: "/home/ユーザー"),
        .stat(requestID: 8, path: "/srv/a"),
        .makeFolder(requestID: 9, path: "/srv/新しいフォルダー"),
        .rename(requestID: 10, from: "/srv/a", to: "/srv/b"),
        .delete(requestID: 11, path: "/srv/b", recursive: true),
        .openRead(requestID: 12, path: "/srv/big", offset: 0, prefixSHA256: nil),
        .openRead(requestID: 13, path: "/srv/big", offset: 1 << 30, prefixSHA256: digest),
        .openWrite(
            requestID: 14, path: "/srv/up", size: 5, mode: 0o755, modified: time, policy: .resume),
        .entries(
            requestID: 15,
            entries: [
                entry,
                FileEntry(
                    name: "d", kind: .folder, size: 0, mode: 0o700, modified: .init(seconds: -5)),
            ], more: true),
        .entries(requestID: 15, entries: [], more: false),
        .statReply(requestID: 16, entry: entry),
        .ok(requestID: 17),
        .failure(
            requestID: 18,
            error: FileError(.outsideRoot, "/etc/passwd is outside the shared folders")),
        .readOpened(
            requestID: 19, transferID: 3, size: 100, startOffset: 40, mode: 0o600, modified: time),
        .writeOpened(requestID: 20, transferID: 4, offset: 99),
        .skipped(requestID: 21),
        .data(transferID: 5, bytes: ByteBuffer(bytes: [0, 1, 2, 255])),
        .data(transferID: 5, bytes: ByteBuffer()),
        .ack(transferID: 5, offset: 1 << 40),
        .finish(transferID: 5, sha256: digest),
        .done(transferID: 5, sha256: digest),
        .cancel(transferID: 6),
        .transferFailed(transferID: 6, error: FileError(.diskFull, "no space")),
    ]

    static func encoded(_ messages: [FileMessage]) -> [UInt8] {
        var buffer = ByteBuffer()
        for message in messages { FileFrameEncoder().encode(message, into: &buffer) }
        return Array(buffer.readableBytesView)
    }

    @Test("every message survives encoding and decoding, fed one byte at a time")
    func roundTripBytewise() throws {
        var decoder = FileFrameDecoder()
        var buffer = ByteBuffer()
        var decoded: [FileMessage] = []
        for byte in Self.encoded(Self.samples) {
            buffer.writeInteger(byte)
            while case .message(let message) = try decoder.decode(&buffer) {
                decoded.append(message)
            }
        }
        #expect(decoded == Self.samples)
        #expect(buffer.readableBytes == 0)
    }

    @Test("a data header written apart from its bytes decodes like a whole frame")
    func dataHeader() throws {
        var buffer = ByteBuffer()
        FileFrameEncoder().encodeDataHeader(transferID: 9, count: 3, into: &buffer)
        buffer.writeBytes([7, 8, 9])
        var decoder = FileFrameDecoder()
        #expect(
            try decoder.decode(&buffer)
                == .message(.data(transferID: 9, bytes: ByteBuffer(bytes: [7, 8, 9]))))
    }

    static let malformedCases: [([UInt8], FileFrameDecoder.FrameError)] = [
        ([0, 0, 0, 0, 1], .emptyFrame),
        ([0, 0, 0, 1, 0x7F], .unknownType(0x7F)),
        (
            [0xFF, 0xFF, 0xFF, 0xFF, 0x10],
            .frameTooLarge(
                length: 0xFFFF_FFFF, maximum: FileProtocolLimits.defaultMaximumFrameLength)
        ),
        ([0, 0, 0, 3, 0x10, 0, 0], .truncated(type: 0x10)),
        ([0, 0, 0, 6, 0x22, 0, 0, 0, 1, 9], .trailingBytes(type: 0x22, count: 1)),
        ([0, 0, 0, 9, 0x10, 0, 0, 0, 1, 0, 2, 0xC3, 0x28], .invalidUTF8(type: 0x10)),
        (
            [0, 0, 0, 10, 0x14, 0, 0, 0, 1, 0, 2, 0x2F, 0x61, 2],
            .invalidValue(type: 0x14, field: "recursive")
        ),
    ]

    @Test("malformed frames are named errors", arguments: malformedCases)
    func malformed(bytes: [UInt8], expected: FileFrameDecoder.FrameError) {
        var decoder = FileFrameDecoder()
        var buffer = ByteBuffer(bytes: bytes)
        #expect(throws: expected) { _ = try decoder.decode(&buffer) }
        #expect(throws: FileFrameDecoder.FrameError.alreadyFailed) {
            _ = try decoder.decode(&buffer)
        }
    }

    @Test("an openRead with an offset but no prefix hash is refused")
    func offsetWithoutPrefix() {
        var buffer = ByteBuffer()
        let length: UInt32 = 18  // type, request, path, offset, hasPrefix
        buffer.writeInteger(length)
        buffer.writeInteger(UInt8(0x15))
        buffer.writeInteger(UInt32(1))
        buffer.writeInteger(UInt16(2))
        buffer.writeString("/a")
        buffer.writeInteger(UInt64(5))
        buffer.writeInteger(UInt8(0))
        var decoder = FileFrameDecoder()
        #expect(throws: FileFrameDecoder.FrameError.invalidValue(type: 0x15, field: "offset")) {
            _ = try decoder.decode(&buffer)
        }
    }

    @Test(
        "200,000 mutated streams never crash the decoder, and what it accepts re-encodes to the same bytes"
    )
    func fuzz() throws {
        var rng = SeededGenerator(state: 0x7575_6e61)
        let frames = Self.samples.map { Self.encoded([$0]) }
        var accepted = 0
        for _ in 0..<200_000 {
            let input = ByteFuzzing.mutate(frames.randomElement(using: &rng)!, &rng)
            var decoder = FileFrameDecoder(maximumFrameLength: 4096)
            var buffer = ByteBuffer(bytes: input)
            var start = buffer.readerIndex
            do {
                while case .message(let message) = try decoder.decode(&buffer) {
                    let consumed = Array(input[start..<buffer.readerIndex])
                    start = buffer.readerIndex
                    // A string's bytes may be any valid UTF-8, so re-encoding is exact.
                    #expect(Self.encoded([message]) == consumed)
                    accepted += 1
                }
            } catch {
                #expect(error != .alreadyFailed)
            }
        }
        #expect(accepted > 1000)
    }
}

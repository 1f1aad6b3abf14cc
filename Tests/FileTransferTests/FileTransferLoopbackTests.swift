import FileTransfer
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@Suite("Files channel over a real connection")
struct FileTransferLoopbackTests {
    @Test("an upload and a download of 64 MiB arrive whole, hash-checked, with mode and time kept")
    func uploadAndDownload() async throws {
        let loop = try await FileLoopback()
        let source = loop.local + "/源.bin"
        try FileLoopback.writeRandomFile(source, count: 64 << 20)
        try FileManager.default.setAttributes(
            [
                .posixPermissions: 0o640,
                .modificationDate: Date(timeIntervalSince1970: 1_700_000_000),
            ],
            ofItemAtPath: source)
        let files = try await loop.client()
        let up = try await files.upload(source, to: loop.root + "/受け取り.bin")
        let expected = try FileLoopback.sha256(source)
        #expect(up.outcome == .completed)
        #expect(up.sha256 == expected)
        #expect(up.bytesMoved == 64 << 20)
        #expect(try FileLoopback.sha256(loop.root + "/受け取り.bin") == expected)
        let attributes = try FileManager.default.attributesOfItem(atPath: loop.root + "/受け取り.bin")
        #expect(attributes[.posixPermissions] as? Int == 0o640)
        #expect((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 == 1_700_000_000)
        #expect(!FileManager.default.fileExists(atPath: loop.root + "/受け取り.bin.tsunagu-part"))

        let down = try await files.download(loop.root + "/受け取り.bin", to: loop.local + "/戻り.bin")
        #expect(down.sha256 == expected)
        #expect(try FileLoopback.sha256(loop.local + "/戻り.bin") == expected)
        let back = try FileManager.default.attributesOfItem(atPath: loop.local + "/戻り.bin")
        #expect(back[.posixPermissions] as? Int == 0o640)

        let listed = try await files.list(loop.root)
        #expect(listed.map(\.name) == ["受け取り.bin"])
        #expect(listed.first?.size == 64 << 20)
        let roots = try await files.list("/")
        #expect(roots.map(\.name) == [loop.root])
        #expect(loop.reports.all.map(\.direction) == [.upload, .download])
        #expect(loop.reports.all.allSatisfy { $0.sha256 == expected && $0.outcome == .completed })
        await files.close()
        await loop.finish()
    }

    @Test("a download cut midway resumes from the verified partial file and sends only the rest")
    func downloadResume() async throws {
        let loop = try await FileLoopback()
        let remote = loop.root + "/big.bin"
        try FileLoopback.writeRandomFile(remote, count: 48 << 20, seed: 5)
        // A partial file holding the first 20 MiB, as a cut transfer leaves it.
        let whole = try Data(contentsOf: URL(fileURLWithPath: remote))
        try whole.prefix(20 << 20).write(
            to: URL(fileURLWithPath: loop.local + "/big.bin.tsunagu-part"))
        let files = try await loop.client()
        let report = try await files.download(remote, to: loop.local + "/big.bin", resume: true)
        #expect(report.resumedFrom == 20 << 20)
        #expect(report.bytesMoved == 28 << 20)
        #expect(try FileLoopback.sha256(loop.local + "/big.bin") == FileLoopback.sha256(remote))

        // A partial file that is not the start of the remote one is thrown away: from 0.
        var wrong = whole.prefix(4 << 20)
        wrong[100] ^= 0xFF
        try wrong.write(to: URL(fileURLWithPath: loop.local + "/again.bin.tsunagu-part"))
        let again = try await files.download(remote, to: loop.local + "/again.bin", resume: true)
        #expect(again.resumedFrom == 0)
        #expect(again.bytesMoved == 48 << 20)
        #expect(try FileLoopback.sha256(loop.local + "/again.bin") == FileLoopback.sha256(remote))
        await files.close()
        await loop.finish()
    }

    @Test("an upload resumes from the agent's partial file; a wrong partial file is replaced")
    func uploadResume() async throws {
        let loop = try await FileLoopback()
        let source = loop.local + "/up.bin"
        try FileLoopback.writeRandomFile(source, count: 24 << 20, seed: 9)
        let whole = try Data(contentsOf: URL(fileURLWithPath: source))
        try whole.prefix(10 << 20).write(
            to: URL(fileURLWithPath: loop.root + "/up.bin.tsunagu-part"))
        let files = try await loop.client()
        let report = try await files.upload(source, to: loop.root + "/up.bin", policy: .resume)
        #expect(report.resumedFrom == 10 << 20)
        #expect(report.bytesMoved == 14 << 20)
        #expect(try FileLoopback.sha256(loop.root + "/up.bin") == FileLoopback.sha256(source))

        var wrong = whole.prefix(3 << 20)
        wrong[7] ^= 1
        try wrong.write(to: URL(fileURLWithPath: loop.root + "/up2.bin.tsunagu-part"))
        let retried = try await files.upload(source, to: loop.root + "/up2.bin", policy: .resume)
        #expect(retried.resumedFrom == 0)
        #expect(try FileLoopback.sha256(loop.root + "/up2.bin") == FileLoopback.sha256(source))
        #expect(loop.reports.all.contains { $0.outcome == .failed(.hashMismatch) })
        await files.close()
        await loop.finish()
    }

    @Test("skip leaves an existing file, refuse fails with exists, overwrite replaces")
    func policies() async throws {
        let loop = try await FileLoopback()
        try Data("old".utf8).write(to: URL(fileURLWithPath: loop.root + "/t.txt"))
        try Data("new!".utf8).write(to: URL(fileURLWithPath: loop.local + "/t.txt"))
        let files = try await loop.client()
        #expect(
            try await files.upload(loop.local + "/t.txt", to: loop.root + "/t.txt", policy: .skip)
                .outcome == .skipped)
        await #expect {
            _ = try await files.upload(
                loop.local + "/t.txt", to: loop.root + "/t.txt", policy: .refuseIfExists)
        } throws: { ($0 as? FileError)?.code == .exists }
        #expect(try String(contentsOfFile: loop.root + "/t.txt", encoding: .utf8) == "old")
        _ = try await files.upload(
            loop.local + "/t.txt", to: loop.root + "/t.txt", policy: .overwrite)
        #expect(try String(contentsOfFile: loop.root + "/t.txt", encoding: .utf8) == "new!")
        await files.close()
        await loop.finish()
    }

    @Test("paths that try to leave the root are refused with a clear code")
    func escapes() async throws {
        let loop = try await FileLoopback()
        try Data("secret".utf8).write(to: URL(fileURLWithPath: loop.outside + "/secret.txt"))
        try FileManager.default.createSymbolicLink(
            atPath: loop.root + "/out", withDestinationPath: loop.outside)
        try FileManager.default.createSymbolicLink(
            atPath: loop.root + "/secret-link", withDestinationPath: loop.outside + "/secret.txt")
        let files = try await loop.client()
        let cases: [(String, FileError.Code)] = [
            (loop.root + "/../outside/secret.txt", .badRequest),
            ("relative/secret.txt", .badRequest),
            (loop.outside + "/secret.txt", .outsideRoot),
            ("/etc/passwd", .outsideRoot),
            (loop.root + "/out/secret.txt", .outsideRoot),
            (loop.root + "/secret-link", .outsideRoot),
            (loop.root + "/a\u{0}b", .badRequest),
        ]
        for (path, code) in cases {
            await #expect("download \(path)") {
                _ = try await files.download(path, to: loop.local + "/stolen")
            } throws: { ($0 as? FileError)?.code == code }
            await #expect("list \(path)") { _ = try await files.list(path) } throws: {
                ($0 as? FileError)?.code == code
            }
        }
        try Data("x".utf8).write(to: URL(fileURLWithPath: loop.local + "/x"))
        await #expect {
            _ = try await files.upload(loop.local + "/x", to: loop.root + "/out/planted")
        } throws: { ($0 as? FileError)?.code == .outsideRoot }
        await #expect { try await files.delete(loop.root) } throws: {
            ($0 as? FileError)?.code == .permissionDenied
        }
        #expect(!FileManager.default.fileExists(atPath: loop.outside + "/planted"))
        #expect(!FileManager.default.fileExists(atPath: loop.local + "/stolen"))
        // Deleting the link removes the link, never its target.
        try await files.delete(loop.root + "/secret-link")
        #expect(FileManager.default.fileExists(atPath: loop.outside + "/secret.txt"))
        await files.close()
        await loop.finish()
    }

    @Test("folders: make, list, rename without replacing, delete recursively")
    func folders() async throws {
        let loop = try await FileLoopback()
        let files = try await loop.client()
        try await files.makeFolder(loop.root + "/書類")
        try await files.makeFolder(loop.root + "/書類/2026")
        try Data("a".utf8).write(to: URL(fileURLWithPath: loop.local + "/a"))
        _ = try await files.upload(loop.local + "/a", to: loop.root + "/書類/2026/a")
        await #expect { try await files.makeFolder(loop.root + "/書類") } throws: {
            ($0 as? FileError)?.code == .exists
        }
        try await files.makeFolder(loop.root + "/other")
        await #expect {
            try await files.rename(loop.root + "/書類", to: loop.root + "/other")
        } throws: {
            ($0 as? FileError)?.code == .exists
        }
        try await files.rename(loop.root + "/書類", to: loop.root + "/docs")
        #expect(try await files.stat(loop.root + "/docs/2026/a").size == 1)
        await #expect { try await files.delete(loop.root + "/docs") } throws: {
            ($0 as? FileError)?.code == .badRequest
        }
        try await files.delete(loop.root + "/docs", recursive: true)
        #expect(try await files.list(loop.root).map(\.name) == ["other"])
        // 1,000 entries come back in several frames.
        for i in 0..<1000 {
            _ = FileManager.default.createFile(atPath: loop.root + "/other/f\(i)", contents: nil)
        }
        #expect(try await files.list(loop.root + "/other").count == 1000)
        await files.close()
        await loop.finish()
    }

    @Test(
        "malformed bytes get a failure naming the problem and a close; other clients are served on")
    func malformedBytes() async throws {
        let loop = try await FileLoopback()
        let received = NIOLockedValueBox<[UInt8]>([])
        // The collector reads from the first byte: the agent's hello comes at once.
        let raw = try await loop.connect { Collector(received: received) }
        var hello = ByteBuffer()
        FileFrameEncoder().encode(.hello(version: 1), into: &hello)
        try await raw.writeAndFlush(hello)
        try await raw.writeAndFlush(ByteBuffer(bytes: [0, 0, 0, 1, 0x7F]))
        try await raw.closeFuture.get()
        var buffer = ByteBuffer(bytes: received.withLockedValue { $0 })
        var decoder = FileFrameDecoder()
        #expect(try decoder.decode(&buffer) == .message(.hello(version: 1)))
        guard case .message(.failure(0, let error)) = try decoder.decode(&buffer) else {
            Issue.record("no failure frame before the close")
            return
        }
        #expect(error.code == FileError.Code.badRequest)
        #expect(error.message.contains("unknown frame type 127"))
        let files = try await loop.client()
        #expect(try await files.list(loop.root).isEmpty)
        await files.close()
        await loop.finish()
    }

    /// Waits (at most 120 s) until the agent's gate held the upload and `part` has `bytes`.
    private func waitForHeldUpload(_ loop: FileLoopback, part: String, bytes: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while !(loop.gates.all.first?.hasClosed ?? false)
            || ((try? FileManager.default.attributesOfItem(atPath: part)[.size] as? Int) ?? 0)
                < bytes
        {
            try #require(ContinuousClock.now < deadline, "the upload never reached the gate")
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits (at most 120 s) for the agent's report of `outcome`.
    private func waitForReport(_ loop: FileLoopback, _ outcome: FileTransferReport.Outcome)
        async throws -> FileTransferReport
    {
        let deadline = ContinuousClock.now + .seconds(120)
        while true {
            if let report = loop.reports.all.first(where: { $0.outcome == outcome }) {
                return report
            }
            try #require(ContinuousClock.now < deadline, "the agent never reported \(outcome)")
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test("a connection lost mid-upload is still reported, with the bytes that arrived")
    func lostConnectionIsReported() async throws {
        // The agent stops reading after 8 MiB: the upload waits in its middle for the test.
        let loop = try await FileLoopback(gateAfter: 8 << 20)
        let source = loop.local + "/lost.bin"
        try FileLoopback.writeRandomFile(source, count: 64 << 20, seed: 4)
        let files = try await loop.client()
        let task = Task { try await files.upload(source, to: loop.root + "/lost.bin") }
        let part = loop.root + "/lost.bin.tsunagu-part"
        try await waitForHeldUpload(loop, part: part, bytes: 4 << 20)
        await files.close()
        _ = try? await task.value
        loop.gates.all.first?.open()
        let report = try await waitForReport(loop, .failed(.ioError))
        #expect(report.bytesMoved >= 4 << 20)
        #expect(report.bytesMoved < 64 << 20)
        #expect(
            report.bytesMoved
                == UInt64(
                    (try? FileManager.default.attributesOfItem(atPath: part)[.size] as? Int) ?? -1))
        await loop.finish()
    }

    @Test("a cancelled upload keeps its partial file for a resume")
    func cancelKeepsPartial() async throws {
        let loop = try await FileLoopback(gateAfter: 8 << 20)
        let source = loop.local + "/c.bin"
        try FileLoopback.writeRandomFile(source, count: 64 << 20, seed: 3)
        let files = try await loop.client()
        let task = Task { try await files.upload(source, to: loop.root + "/c.bin") }
        let part = loop.root + "/c.bin.tsunagu-part"
        try await waitForHeldUpload(loop, part: part, bytes: 4 << 20)
        task.cancel()
        // The agent reads the cancel behind the bytes it held back.
        loop.gates.all.first?.open()
        await #expect { _ = try await task.value } throws: {
            ($0 as? FilesClient.TransferFailure)?.error.code == .cancelled
        }
        // The agent reports the cancel once its receiver has ended.
        _ = try await waitForReport(loop, .failed(.cancelled))
        let kept = try FileManager.default.attributesOfItem(atPath: part)[.size] as? Int ?? 0
        #expect(kept >= 4 << 20)
        #expect(!FileManager.default.fileExists(atPath: loop.root + "/c.bin"))
        let resumed = try await files.upload(source, to: loop.root + "/c.bin", policy: .resume)
        #expect(resumed.resumedFrom == UInt64(kept))
        #expect(try FileLoopback.sha256(loop.root + "/c.bin") == FileLoopback.sha256(source))
        await files.close()
        await loop.finish()
    }
}

private final class Collector: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let received: NIOLockedValueBox<[UInt8]>
    init(received: NIOLockedValueBox<[UInt8]>) { self.received = received }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        received.withLockedValue { $0.append(contentsOf: buffer.readableBytesView) }
    }
}

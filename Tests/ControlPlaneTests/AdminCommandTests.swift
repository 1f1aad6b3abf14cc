import Foundation
import TestSupport
import Testing

/// The admin commands as an operator of the service types them, against the real binary.
@Suite("Admin commands")
struct AdminCommandTests {
    func storageArguments(_ kind: TestDatabase, _ dir: String) throws -> [String] {
        switch try kind.makeLocation(in: dir) {
        case .sqlite: return ["--data-dir", dir]
        case .postgres(let url): return ["--data-dir", dir, "--database-url", url]
        }
    }

    @Test(arguments: TestDatabase.available)
    func clearErrorsForBadRequests(_ kind: TestDatabase) throws {
        let dir = NSTemporaryDirectory() + "tsunagu-cli-\(UUID())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let storage = try storageArguments(kind, dir)

        let created = try ServerProcess.run(
            ["tenant", "create", "--company", "acme", "--name", "Acme", "--seats", "1"] + storage)
        #expect(created.status == 0, "\(created.output)")
        #expect(created.output.contains("Created company ACME with 1 seats"))

        let duplicate = try ServerProcess.run(
            ["tenant", "create", "--company", "ACME", "--name", "Again", "--seats", "2"] + storage)
        #expect(duplicate.status == 1)
        #expect(duplicate.output.contains("A company with ID ACME already exists."))

        let badID = try ServerProcess.run(
            ["tenant", "create", "--company", "a b", "--name", "X", "--seats", "2"] + storage)
        #expect(badID.status != 0)
        #expect(badID.output.contains("company"))

        let unknown = try ServerProcess.run(
            ["operator", "create", "--company", "NOPE", "--login", "x", "--password-stdin"] + storage,
            stdin: "long-enough-password\n")
        #expect(unknown.status == 1)
        #expect(unknown.output.contains("No company with ID NOPE exists."))

        let empty = try ServerProcess.run(
            ["operator", "create", "--company", "ACME", "--login", "x", "--password-stdin"] + storage,
            stdin: "\n")
        #expect(empty.status == 1)
        #expect(empty.output.contains("empty"))

        let first = try ServerProcess.run(
            ["operator", "create", "--company", "ACME", "--login", "boss", "--role", "admin", "--password-stdin"]
                + storage, stdin: "long-enough-password\n")
        #expect(first.status == 0, "\(first.output)")

        let again = try ServerProcess.run(
            ["operator", "create", "--company", "ACME", "--login", "BOSS", "--password-stdin"] + storage,
            stdin: "long-enough-password\n")
        #expect(again.output.contains("already exists"))

        let noSeat = try ServerProcess.run(
            ["operator", "create", "--company", "ACME", "--login", "second", "--password-stdin"] + storage,
            stdin: "long-enough-password\n")
        #expect(noSeat.status == 1)
        #expect(noSeat.output.contains("seats are in use"))

        let token = try ServerProcess.run(["enroll-token", "create", "--company", "acme"] + storage)
        #expect(token.status == 0)
        #expect(token.output.hasPrefix("tse_"))
    }

    @Test(arguments: TestDatabase.available)
    func commandsWorkWhileTheServerRuns(_ kind: TestDatabase) async throws {
        let dir = NSTemporaryDirectory() + "tsunagu-live-\(UUID())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let storage = try storageArguments(kind, dir)
        let port = try ServerProcess.freePort()
        let log = URL(fileURLWithPath: dir + ".log")
        defer { try? FileManager.default.removeItem(at: log) }
        let server = try ServerProcess.start(["--listen", "127.0.0.1:\(port)"] + storage, log: log)
        defer { if server.isRunning { server.terminate() } }
        let base = "http://127.0.0.1:\(port)"
        var up = false
        for _ in 0..<100 where !up {
            up = (try? ServerProcess.http("GET", base + "/readyz").0) == 200
            if !up { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(up, "server did not become ready: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")

        #expect(try ServerProcess.run(["tenant", "create", "--company", "LIVE", "--name", "Live", "--seats", "2"] + storage).status == 0)
        let op = try ServerProcess.run(
            ["operator", "create", "--company", "LIVE", "--login", "admin", "--role", "admin", "--password-stdin"] + storage,
            stdin: "live-password")
        #expect(op.status == 0, "\(op.output)")

        let (status, body) = try ServerProcess.http(
            "POST", base + "/api/v1/auth/login",
            json: #"{"company":"live","login":"admin","password":"live-password"}"#)
        #expect(status == 200, "\(body)")
        #expect(body.contains("\"token\":\"tso_"))

        // An oversized body is refused by the real HTTP server before any parsing.
        let big = "{\"company\":\"" + String(repeating: "a", count: 200_000) + "\"}"
        let (bigStatus, bigBody) = try ServerProcess.http("POST", base + "/api/v1/auth/login", json: big)
        #expect(bigStatus == 413)
        #expect(bigBody.contains("\"code\":\"payload_too_large\""))

        // SIGTERM: a graceful stop with status 0.
        server.terminate()
        server.waitUntilExit()
        #expect(server.terminationStatus == 0)
        let text = try String(contentsOf: log, encoding: .utf8)
        #expect(text.contains("Tsunagu control plane: http://127.0.0.1:\(port)"))
    }

    @Test func refusesPlainHTTPOffLoopback() throws {
        let result = try ServerProcess.run(["serve", "--listen", "0.0.0.0:0", "--data-dir", NSTemporaryDirectory() + "x-\(UUID())"])
        #expect(result.status != 0)
        #expect(result.output.contains("refusing to listen on 0.0.0.0"))
    }
}

@Suite("HTTPS")
struct HTTPSTests {
    @Test func servesHTTPSWithTheGivenCertificate() async throws {
        let dir = NSTemporaryDirectory() + "tsunagu-tls-\(UUID())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let certificate = try SelfSignedCertificate(in: dir)

        let port = try ServerProcess.freePort()
        let log = URL(fileURLWithPath: dir + "/server.log")
        let server = try ServerProcess.start(
            ["--listen", "0.0.0.0:\(port)", "--data-dir", dir + "/data", "--tls-cert", certificate.certificatePath,
             "--tls-key", certificate.keyPath], log: log)
        defer { if server.isRunning { server.terminate() } }
        func curl(_ args: [String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            process.arguments = ["-s", "-i", "--cacert", certificate.certificatePath] + args
            let out = Pipe()
            process.standardOutput = out
            LiveProcesses.markDescriptorsCloseOnExec()
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        var health = ""
        for _ in 0..<100 where !health.contains("200 OK") {
            health = (try? curl(["https://127.0.0.1:\(port)/healthz"])) ?? ""
            if !health.contains("200 OK") { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(health.contains("200 OK"), "\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        // Plain HTTP on the TLS port gets nothing useful.
        let plain = (try? ServerProcess.http("GET", "http://127.0.0.1:\(port)/healthz")) ?? (0, "")
        #expect(plain.0 != 200)
        let login = try curl(["https://127.0.0.1:\(port)/api/v1/auth/login", "-H", "content-type: application/json",
            "-d", #"{"company":"X","login":"a","password":"b"}"#])
        #expect(login.contains("invalid_credentials"))
        #expect((try String(contentsOf: log, encoding: .utf8)).contains("https://0.0.0.0:\(port)"))
    }
}

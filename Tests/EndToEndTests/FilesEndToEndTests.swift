import Foundation
import TestSupport
import Testing

/// The files channel through the real processes: `tsunagu files` against an agent through a
/// standalone relay and through the server's embedded one — 1 GiB each way with equal
/// hashes, a cut transfer resumed, paths that try to leave the shared folder, the
/// file-transfer log and the connection log.
@Suite(.serialized)
struct FilesEndToEndTests {
    static let gibibyte = 1 << 30
    /// The sender's window: a resume may resend at most this much beyond what was missing.
    static let window = 16 << 20

    /// A running stack with device `pc` whose files channel serves `root`, and a logged-in CLI.
    struct FilesStack {
        let stack: Stack
        let token: String
        let root: String
        let local: String
        let config: String
        let cli: String

        /// Runs `tsunagu files …` to its end; answers its exit status and output.
        func files(_ arguments: [String], log: String) async throws -> (
            status: Int32, output: String
        ) {
            let process = try start(arguments, log: log)
            let status = await LiveProcesses.exit(of: process)
            return (status, stack.live.log(log))
        }

        func start(_ arguments: [String], log: String) throws -> Process {
            try stack.live.start(
                cli, ["files"] + arguments, log: log, stdin: "pc-password\n",
                environment: ["TSUNAGU_CONFIG_DIR": config])
        }

        func json(_ path: String) throws -> [[String: Any]] {
            let body = try stack.http("GET", path, token: token).body
            return (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]])
                ?? []
        }
    }

    private func start(standaloneRelay: Bool, company: String) async throws -> FilesStack {
        let stack = try Stack()
        if standaloneRelay { stack.serverOptions = ["--no-embedded-relay"] }
        #expect(try await stack.startServer(), "\(stack.live.log("server.log"))")
        let token = try stack.makeCompany(company)
        if standaloneRelay {
            let relayPort = Stack.freePort()
            let key = try stack.admin([
                "relay-key", "create", "--id", "relay-f", "--url",
                "ws://127.0.0.1:\(relayPort)/relay/v1",
            ]).output.trimmingCharacters(in: .whitespacesAndNewlines)
            try stack.live.start(
                try #require(LiveProcesses.binary("tsunagu-relay")),
                [
                    "--listen", "127.0.0.1:\(relayPort)", "--server", stack.base, "--relay-key",
                    key,
                    "--report-interval", "1",
                ], log: "relay.log")
        }
        let root = stack.live.path("shared")
        let local = stack.live.path("local")
        for folder in [root, local] {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true)
        }
        let enroll = try stack.admin(["enroll-token", "create", "--company", company]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let display = try await stack.startDesktop()
        try stack.startAgent(
            company: company, name: "pc", display: display, stateDir: stack.live.path("state"),
            enrollToken: enroll, extra: ["--files-root", root])
        #expect(
            await stack.live.wait(timeout: 20) { stack.isOnline("pc", token: token) },
            "\(stack.live.log("agent.log"))")
        let config = stack.live.path("cli")
        let cli = try #require(LiveProcesses.binary("tsunagu"))
        let login = try stack.live.start(
            cli,
            [
                "login", "--server", stack.base, "--company", company, "--login", "admin",
                "--password-stdin",
            ],
            log: "login.log", stdin: "admin-password\n", environment: ["TSUNAGU_CONFIG_DIR": config]
        )
        #expect(await LiveProcesses.exit(of: login) == 0, "\(stack.live.log("login.log"))")
        return FilesStack(
            stack: stack, token: token, root: root, local: local, config: config, cli: cli)
    }

    static func sha256(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(String(decoding: out, as: UTF8.self).prefix(64))
    }

    static func makeRandomFile(_ path: String, bytes: Int) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "head -c \(bytes) /dev/urandom > '\(path)'"]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    /// `moved=N resumed-from=M` of the CLI's line for `path`.
    static func figures(_ output: String, path: String) -> (moved: Int, resumedFrom: Int)? {
        for line in output.split(separator: "\n") where line.hasPrefix("ok ") && line.contains(path)
        {
            var moved: Int?
            var resumed: Int?
            for word in line.split(separator: " ") {
                if word.hasPrefix("moved=") { moved = Int(word.dropFirst(6)) }
                if word.hasPrefix("resumed-from=") { resumed = Int(word.dropFirst(13)) }
            }
            if let moved, let resumed { return (moved, resumed) }
        }
        return nil
    }

    /// Pushes and pulls 1 GiB and checks both copies' hashes and the logs.
    private func pushAndPull(_ f: FilesStack) async throws {
        let source = f.local + "/big.bin"
        try Self.makeRandomFile(source, bytes: Self.gibibyte)
        let expected = try Self.sha256(source)
        let push = try await f.files(
            ["push", "pc", "--password-stdin", source, f.root], log: "push.log")
        #expect(push.status == 0, "\(push.output)\n\(f.stack.live.log("agent.log"))")
        #expect(push.output.contains("sha256=\(expected)"), "\(push.output)")
        #expect(try Self.sha256(f.root + "/big.bin") == expected)

        try FileManager.default.createDirectory(
            atPath: f.local + "/back", withIntermediateDirectories: true)
        let pull = try await f.files(
            ["pull", "pc", "--password-stdin", f.root + "/big.bin", f.local + "/back"],
            log: "pull.log")
        #expect(pull.status == 0, "\(pull.output)")
        #expect(try Self.sha256(f.local + "/back/big.bin") == expected)

        var transfers: [[String: Any]] = []
        #expect(
            await f.stack.live.wait(timeout: 20) {
                transfers = (try? f.json("/api/v1/file-transfers")) ?? []
                return transfers.count >= 2
            }, "\(transfers)")
        #expect(
            transfers.map { $0["direction"] as? String } == ["upload", "download"], "\(transfers)")
        for transfer in transfers {
            #expect(transfer["sha256"] as? String == expected)
            #expect(transfer["outcome"] as? String == "completed")
            #expect(transfer["size"] as? Int == Self.gibibyte)
            #expect(transfer["operator"] as? String == "admin")
            #expect(transfer["device"] as? String == "pc")
            #expect(transfer["path"] as? String == f.root + "/big.bin")
        }
        var records: [[String: Any]] = []
        #expect(
            await f.stack.live.wait(timeout: 30) {
                records = (try? f.json("/api/v1/connection-log")) ?? []
                return records.count >= 2
            }, "\(records)")
        // One record per session, with the files channel's bytes: the push sent 1 GiB from
        // the operator, the pull 1 GiB from the agent.
        let channels = records.compactMap { ($0["channels"] as? [[String: Any]])?.first }
        #expect(
            channels.count == 2 && channels.allSatisfy { $0["channel"] as? String == "files" },
            "\(records)")
        let fromOperator = channels.compactMap { $0["bytesFromOperator"] as? Int }.max() ?? 0
        let fromAgent = channels.compactMap { $0["bytesFromAgent"] as? Int }.max() ?? 0
        #expect(fromOperator >= Self.gibibyte && fromAgent >= Self.gibibyte, "\(records)")
    }

    @Test func aGibibyteBothWaysThroughAStandaloneRelay() async throws {
        let f = try await start(standaloneRelay: true, company: "FILES")
        try await pushAndPull(f)
    }

    @Test func aGibibyteBothWaysThroughTheEmbeddedRelay() async throws {
        let f = try await start(standaloneRelay: false, company: "FILEM")
        try await pushAndPull(f)
    }

    /// Kill the CLI midway (SIGKILL: no goodbye), then `--resume`: only what was missing
    /// (plus at most one window) crosses again, and the file is whole.
    @Test func aCutTransferResumesWithOnlyWhatWasMissing() async throws {
        let f = try await start(standaloneRelay: true, company: "FILER")
        let source = f.local + "/cut.bin"
        try Self.makeRandomFile(source, bytes: Self.gibibyte)
        let expected = try Self.sha256(source)

        // Upload: the agent keeps `cut.bin.tsunagu-part`.
        let part = f.root + "/cut.bin.tsunagu-part"
        let push = try f.start(
            ["push", "pc", "--password-stdin", source, f.root], log: "push-cut.log")
        #expect(
            await f.stack.live.wait(timeout: 120) { Self.size(part) >= 300 << 20 },
            "\(f.stack.live.log("push-cut.log"))")
        kill(push.processIdentifier, SIGKILL)
        _ = await LiveProcesses.exit(of: push)
        let atKill = Self.size(part)
        #expect(atKill < Self.gibibyte, "the push finished before it was cut")
        #expect(!FileManager.default.fileExists(atPath: f.root + "/cut.bin"))
        let resumed = try await f.files(
            ["push", "pc", "--password-stdin", "--resume", source, f.root], log: "push-resume.log")
        #expect(resumed.status == 0, "\(resumed.output)")
        let up = try #require(Self.figures(resumed.output, path: "cut.bin"), "\(resumed.output)")
        #expect(
            up.resumedFrom >= atKill, "resumed from \(up.resumedFrom), \(atKill) bytes were kept")
        #expect(up.moved + up.resumedFrom == Self.gibibyte)
        #expect(up.moved <= Self.gibibyte - atKill + Self.window)
        #expect(try Self.sha256(f.root + "/cut.bin") == expected)

        // Download: the CLI keeps `cut.bin.tsunagu-part` locally.
        let into = f.local + "/down"
        try FileManager.default.createDirectory(atPath: into, withIntermediateDirectories: true)
        let localPart = into + "/cut.bin.tsunagu-part"
        let pull = try f.start(
            ["pull", "pc", "--password-stdin", f.root + "/cut.bin", into], log: "pull-cut.log")
        #expect(
            await f.stack.live.wait(timeout: 120) { Self.size(localPart) >= 300 << 20 },
            "\(f.stack.live.log("pull-cut.log"))")
        kill(pull.processIdentifier, SIGKILL)
        _ = await LiveProcesses.exit(of: pull)
        let kept = Self.size(localPart)
        #expect(kept < Self.gibibyte, "the pull finished before it was cut")
        let again = try await f.files(
            ["pull", "pc", "--password-stdin", "--resume", f.root + "/cut.bin", into],
            log: "pull-resume.log")
        #expect(again.status == 0, "\(again.output)")
        let down = try #require(Self.figures(again.output, path: "cut.bin"), "\(again.output)")
        #expect(down.resumedFrom == kept)
        #expect(down.moved == Self.gibibyte - kept)
        #expect(try Self.sha256(into + "/cut.bin") == expected)

        // The log shows the cut transfers as failed and the resumed ones from where they went on.
        var transfers: [[String: Any]] = []
        #expect(
            await f.stack.live.wait(timeout: 20) {
                transfers = (try? f.json("/api/v1/file-transfers")) ?? []
                return transfers.count >= 4
            }, "\(transfers)")
        #expect(
            transfers.filter { $0["outcome"] as? String == "completed" }.count == 2, "\(transfers)")
        #expect(
            transfers.filter { $0["outcome"] as? String == "failed" }.count == 2, "\(transfers)")
        let csv = try f.stack.http("GET", "/api/v1/file-transfers?format=csv", token: f.token).body
        #expect(csv.hasPrefix("ended_at,session_id,device,operator,direction,path,size"), "\(csv)")
        #expect(csv.contains(expected))
    }

    /// `..`, a path outside the shared folder and a link pointing out are refused with their
    /// codes, and nothing is read or written there.
    @Test func pathsThatLeaveTheSharedFolderAreRefused() async throws {
        let f = try await start(standaloneRelay: false, company: "FILEP")
        try FileManager.default.createSymbolicLink(
            atPath: f.root + "/etc-link", withDestinationPath: "/etc")
        let cases: [([String], String)] = [
            (["pull", "pc", "--password-stdin", "/etc/passwd", f.local], "outside_root"),
            (["pull", "pc", "--password-stdin", f.root + "/../local", f.local], "bad_request"),
            (
                ["pull", "pc", "--password-stdin", f.root + "/etc-link/passwd", f.local],
                "outside_root"
            ),
            (["ls", "pc", "--password-stdin", f.root + "/etc-link"], "outside_root"),
            (
                ["push", "pc", "--password-stdin", "/etc/hostname", f.root + "/etc-link"],
                "outside_root"
            ),
        ]
        for (index, (arguments, code)) in cases.enumerated() {
            let run = try await f.files(arguments, log: "escape-\(index).log")
            #expect(run.status != 0, "\(arguments): \(run.output)")
            #expect(run.output.contains(code), "\(arguments): \(run.output)")
            #expect(run.output.contains("共有フォルダー") || code != "outside_root", "\(run.output)")
        }
        #expect(!FileManager.default.fileExists(atPath: f.local + "/passwd"))
        // The shared folder itself lists (the link shows as a link).
        let list = try await f.files(["ls", "pc", "--password-stdin", f.root], log: "ls.log")
        #expect(list.status == 0 && list.output.contains("etc-link"), "\(list.output)")
        let roots = try await f.files(["ls", "pc", "--password-stdin"], log: "roots.log")
        #expect(roots.output.contains(f.root), "\(roots.output)")
    }

    /// The screen keeps delivering frames while 1 GiB is pushed: each channel is its own
    /// relay connection, so a big copy never stalls the screen.
    @Test func theScreenKeepsDeliveringFramesDuringACopy() async throws {
        let f = try await start(standaloneRelay: true, company: "FILEV")
        let localPort = Stack.freePort()
        try f.stack.live.start(
            f.cli, ["connect", "pc", "--password-stdin", "--local-port", "\(localPort)"],
            log: "connect.log", stdin: "pc-password\n",
            environment: ["TSUNAGU_CONFIG_DIR": f.config])
        #expect(
            await f.stack.live.wait(timeout: 20) {
                f.stack.live.log("connect.log").contains("127.0.0.1:\(localPort)")
            }, "\(f.stack.live.log("connect.log"))")
        let flag = f.stack.live.path("copy-state")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("scripts/screen_during_copy.py").path
        let watcher = try f.stack.live.start(
            "python3", [script, "\(localPort)", flag], log: "watcher.log")
        #expect(
            await f.stack.live.wait(timeout: 30) {
                f.stack.live.log("watcher.log").contains("connected")
            },
            "\(f.stack.live.log("watcher.log"))")
        let source = f.local + "/copy.bin"
        try Self.makeRandomFile(source, bytes: Self.gibibyte)
        try "copying".write(toFile: flag, atomically: true, encoding: .utf8)
        let push = try await f.files(
            ["push", "pc", "--password-stdin", source, f.root], log: "push.log")
        try "done".write(toFile: flag, atomically: true, encoding: .utf8)
        #expect(push.status == 0, "\(push.output)")
        _ = await LiveProcesses.exit(of: watcher)
        let line =
            f.stack.live.log("watcher.log").split(separator: "\n").last.map(String.init) ?? ""
        let result = try #require(
            try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        let seconds = result["seconds"] as? Double ?? 0
        let updates = result["updates"] as? Int ?? 0
        let gap = result["longestGap"] as? Double ?? .infinity
        #expect(result["error"] is NSNull, "\(result)")
        // Typing every 200 ms: at least one update a second, and never a second without one.
        #expect(Double(updates) >= seconds, "\(updates) updates in \(seconds) s")
        #expect(gap < 1.5, "the screen stalled for \(gap) s during the copy")
    }
}

import Foundation
import TestSupport
import Testing

/// The terminal channel through the real processes: `tsunagu shell` against an agent on a
/// PTY, through a standalone relay (the path a deployment at scale takes) — the remote exit
/// status, the environment, input from a pipe, and a reattach after the relay died mid-command.
@Suite(.serialized)
struct ShellEndToEndTests {
    /// A running stack with device `pc` behind a standalone relay, and a logged-in CLI.
    struct ShellStack {
        let stack: Stack
        /// The company admin's API token.
        let token: String
        let relayPort: Int
        let relayKey: String
        let config: String
        let cli: String

        /// Runs `tsunagu shell pc …` with `input` after the password line, to its end.
        func shell(_ arguments: [String], input: String = "", log: String) async throws -> (
            status: Int32, output: String
        ) {
            let process = try start(arguments, input: input, log: log)
            let status = await LiveProcesses.exit(of: process)
            return (status, stack.live.log(log))
        }

        func start(_ arguments: [String], input: String = "", log: String) throws -> Process {
            try stack.live.start(
                cli, ["shell", "pc", "--password-stdin"] + arguments, log: log,
                stdin: "pc-password\n" + input, environment: ["TSUNAGU_CONFIG_DIR": config])
        }

        @discardableResult
        func startRelay(log: String) throws -> Process {
            try stack.live.start(
                try #require(LiveProcesses.binary("tsunagu-relay")),
                [
                    "--listen", "127.0.0.1:\(relayPort)", "--server", stack.base, "--relay-key",
                    relayKey, "--report-interval", "1",
                ], log: log)
        }
    }

    /// The stack, its relay's and its agent's processes.
    private func start() async throws -> (ShellStack, relay: Process, agent: Process) {
        let stack = try Stack()
        stack.serverOptions = ["--no-embedded-relay"]
        #expect(try await stack.startServer(), "\(stack.live.log("server.log"))")
        let token = try stack.makeCompany("SHELL")
        let relayPort = Stack.freePort()
        let key = try stack.admin([
            "relay-key", "create", "--id", "relay-s", "--url",
            "ws://127.0.0.1:\(relayPort)/relay/v1",
        ]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let config = stack.live.path("cli")
        let cli = try #require(LiveProcesses.binary("tsunagu"))
        let shell = ShellStack(
            stack: stack, token: token, relayPort: relayPort, relayKey: key, config: config,
            cli: cli)
        let relay = try shell.startRelay(log: "relay.log")
        let agent = try await stack.startEnrolledAgent(company: "SHELL")
        #expect(
            await stack.live.wait(timeout: 20) { stack.isOnline("pc", token: token) },
            "\(stack.live.log("agent.log"))")
        let login = try stack.live.start(
            cli,
            [
                "login", "--server", stack.base, "--company", "SHELL", "--login", "admin",
                "--password-stdin",
            ],
            log: "login.log", stdin: "admin-password\n", environment: ["TSUNAGU_CONFIG_DIR": config]
        )
        #expect(await LiveProcesses.exit(of: login) == 0, "\(stack.live.log("login.log"))")
        return (shell, relay, agent)
    }

    @Test("the remote exit code is the command line's; a signal is 128 + its number")
    func theRemoteExitCodeIsTheCommandLines() async throws {
        let (shell, _, _) = try await start()
        let seven = try await shell.shell(["--", "sh", "-c", "exit 7"], log: "exit7.log")
        #expect(seven.status == 7, "\(seven.output)")
        let killed = try await shell.shell(["--", "sh", "-c", "kill -TERM $$"], log: "term.log")
        #expect(killed.status == 128 + 15, "\(killed.output)")
        let missing = try await shell.shell(["--", "no-such-program-here"], log: "missing.log")
        #expect(missing.status != 0)
        #expect(missing.output.contains("no-such-program-here"), "\(missing.output)")
    }

    @Test("the terminal names xterm-256color and the operator, and has the CLI's size")
    func theEnvironmentAndTheSize() async throws {
        let (shell, _, _) = try await start()
        let result = try await shell.shell(
            ["--", "sh", "-c", "echo \"term=$TERM operator=$TSUNAGU_OPERATOR\"; stty size"],
            log: "env.log")
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("term=xterm-256color operator=admin"), "\(result.output)")
        // Not a terminal here: the CLI asks for the classic 80 × 24.
        #expect(result.output.contains("24 80"), "\(result.output)")
    }

    @Test("input from a pipe reaches the login shell, and its end is an end-of-file")
    func pipedInputReachesTheShell() async throws {
        let (shell, _, _) = try await start()
        let result = try await shell.shell(
            [], input: "echo piped-$((6 * 7))\nexit 3\n", log: "piped.log")
        #expect(result.status == 3, "\(result.output)")
        #expect(result.output.contains("piped-42"), "\(result.output)")
        let eof = try await shell.shell(["--", "cat"], input: "one line\n", log: "cat.log")
        #expect(eof.status == 0, "cat saw no end-of-file: \(eof.output)")
    }

    @Test(
        "an agent started with --no-terminal and --no-files refuses both, and the CLI says so at once"
    )
    func turnedOffChannelsAreRefused() async throws {
        let (shell, _, _) = try await start()
        let stack = shell.stack
        let token = shell.token
        let enroll = try stack.admin(["enroll-token", "create", "--company", "SHELL"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let display = try await stack.startDesktop()
        try stack.startAgent(
            company: "SHELL", name: "kiosk", display: display,
            stateDir: stack.live.path("state-kiosk"), enrollToken: enroll,
            log: "agent-kiosk.log", extra: ["--no-terminal", "--no-files"])
        #expect(
            await stack.live.wait(timeout: 20) { stack.isOnline("kiosk", token: token) },
            "\(stack.live.log("agent-kiosk.log"))")
        let started = ContinuousClock.now
        let terminal = try stack.live.start(
            shell.cli, ["shell", "kiosk", "--password-stdin", "--", "true"], log: "kiosk-shell.log",
            stdin: "pc-password\n", environment: ["TSUNAGU_CONFIG_DIR": shell.config])
        let terminalStatus = await LiveProcesses.exit(of: terminal)
        let files = try stack.live.start(
            shell.cli, ["files", "ls", "kiosk", "--password-stdin"], log: "kiosk-files.log",
            stdin: "pc-password\n", environment: ["TSUNAGU_CONFIG_DIR": shell.config])
        let filesStatus = await LiveProcesses.exit(of: files)
        let elapsed = ContinuousClock.now - started
        for (status, log) in [
            (terminalStatus, "kiosk-shell.log"), (filesStatus, "kiosk-files.log"),
        ] {
            let output = stack.live.log(log)
            #expect(status != 0, "\(output)")
            #expect(output.contains("無効"), "\(output)")
        }
        // Told by the server's record of the refusal, not by the relay's 40 s wait.
        #expect(elapsed < .seconds(30), "the refusals took \(elapsed)")
    }

    @Test("the relay dies mid-command: the CLI reattaches and prints what it missed, once")
    func aDroppedConnectionIsReattached() async throws {
        let (shell, relay, _) = try await start()
        let relayLog = "relay.log"
        let process = try shell.start(
            [
                "--", "sh", "-c",
                "echo before-$((1 + 1)); i=0; while [ ! -e \(shell.stack.live.path("go")) ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done; echo after-$((2 + 2)); exit 5",
            ], log: "reattach.log")
        #expect(
            await shell.stack.live.wait(timeout: 30) {
                shell.stack.live.log("reattach.log").contains("before-2")
            }, "\(shell.stack.live.log("reattach.log"))")
        // The relay goes away with the connection: no goodbye to either side.
        kill(relay.processIdentifier, SIGKILL)
        #expect(
            await shell.stack.live.wait(timeout: 20) {
                shell.stack.live.log("reattach.log").contains("reconnecting")
            }, "\(shell.stack.live.log("reattach.log"))")
        // What the command prints while nobody is attached waits in the agent's replay.
        FileManager.default.createFile(atPath: shell.stack.live.path("go"), contents: nil)
        try shell.startRelay(log: "relay-2.log")
        let status = await LiveProcesses.exit(of: process)
        let output = shell.stack.live.log("reattach.log")
        #expect(status == 5, "\(output)\n\(shell.stack.live.log(relayLog))")
        #expect(output.contains("Reconnected"), "\(output)")
        #expect(output.components(separatedBy: "before-2").count == 2, "\(output)")
        #expect(output.components(separatedBy: "after-4").count == 2, "\(output)")
    }

    @Test("SIGTERM to the agent ends its session as agent_stopped, and the CLI says so")
    func aStoppedAgentEndsItsSessions() async throws {
        let (shell, _, agent) = try await start()
        let process = try shell.start(
            ["--", "sh", "-c", "echo ready-$((3 * 3)); sleep 600"], log: "stopped.log")
        #expect(
            await shell.stack.live.wait(timeout: 30) {
                shell.stack.live.log("stopped.log").contains("ready-9")
            }, "\(shell.stack.live.log("stopped.log"))")
        agent.terminate()
        #expect(await LiveProcesses.exit(of: agent) == 0, "\(shell.stack.live.log("agent.log"))")
        let status = await LiveProcesses.exit(of: process)
        let output = shell.stack.live.log("stopped.log")
        #expect(status != 0, "\(output)")
        #expect(output.contains("エージェントが停止しました"), "\(output)")
        // The server's answer closed the connection, not the agent's fallback.
        let agentLog = shell.stack.live.log("agent.log")
        #expect(agentLog.contains("ending 1 session"), "\(agentLog)")
        #expect(!agentLog.contains("the server did not end"), "\(agentLog)")
        let log = try shell.stack.http(
            "GET", "/api/v1/connection-log?format=json", token: shell.token)
        #expect(log.body.contains("\"agent_stopped\""), "\(log.body)")
    }
}

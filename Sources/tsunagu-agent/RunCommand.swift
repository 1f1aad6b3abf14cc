import Agent
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle

/// `tsunagu-agent run`: parses the fixed-name options into an ``AgentConfiguration`` and
/// hands it to ``AgentRuntime``; nothing else lives here.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Connect to the server and serve this machine's screen.")

    @Option(help: "The Tsunagu server's URL.") var server: String?
    @Option(help: "The company ID this machine belongs to.") var company: String?
    @Option(help: "This machine's connection name.") var name: String?
    @Flag(help: "Read the connection password from standard input.") var passwordStdin = false
    @Option(
        help: """
            A one-time token for the first contact with the server. Every local user can \
            read it in `ps` while the agent runs: prefer --enroll-token-file or \
            TSUNAGU_ENROLL_TOKEN.
            """)
    var enrollToken: String?
    @Option(
        help: """
            File holding the one-time enrolment token (surrounding whitespace ignored); \
            unlike --enroll-token it does not show in `ps`. Without either, the token is \
            read from the environment variable TSUNAGU_ENROLL_TOKEN.
            """)
    var enrollTokenFile: String?
    @Option(help: "The X display to capture, e.g. :0.") var display: String?
    @Option(help: "Bridge to an existing VNC server at HOST:PORT instead of capturing X.")
    var vnc: String?
    @Option(help: "attended (the user accepts each session) or unattended.")
    var mode: String = "attended"
    @Option(help: "Where the device key and state are kept.") var stateDir: String =
        "./tsunagu-agent-state"
    @Option(help: "The server's pinned public key.") var serverKey: String?
    @Option(help: "Also serve VNC locally at HOST:PORT.") var listenVnc: String?
    @Option(help: "File holding the local listener's VNC password.") var vncPasswordFile: String?
    @Option(help: "File holding the bridged VNC server's password (default: --vnc-password-file).")
    var backendPasswordFile: String?
    @Option(help: "Capture rate while a viewer watches.") var fps: Int = 60
    @Option(
        help:
            "Attended mode: a shell command that asks the customer; exit 0 means allow (default: an xmessage dialog)."
    )
    var consentCommand: String?
    @Option(
        name: .customLong("files-root"),
        help: "A folder the files channel may use (repeatable; default: the home folder).")
    var filesRoots: [String] = []
    @Flag(name: .customLong("no-files"), help: "Turn the files channel off.") var noFiles = false
    @Flag(name: .customLong("no-terminal"), help: "Turn the terminal channel off.")
    var noTerminal = false
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel: String =
        "info"

    func validate() throws {
        if display != nil && vnc != nil {
            throw ValidationError("give --display or --vnc, not both")
        }
        if AgentConfiguration.Mode(rawValue: mode) == nil {
            throw ValidationError("--mode must be attended or unattended")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "tsunagu.agent")
        let configuration = try makeConfiguration()
        do {
            try configuration.validate()
        } catch {
            throw ValidationError(error.description)
        }
        let runtime = AgentRuntime(configuration: configuration, logger: logger)
        // SIGTERM or SIGINT: the sessions end cleanly (agent_stopped) before the agent exits.
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(
                        service: runtime, successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup)
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    private func makeConfiguration() throws -> AgentConfiguration {
        let password = passwordStdin ? readLine(strippingNewline: true) : nil
        let token: String?
        do {
            token = try AgentEnrollTokenSource.resolve(
                flag: enrollToken, file: enrollTokenFile,
                environment: ProcessInfo.processInfo.environment,
                readFile: { try String(contentsOfFile: $0, encoding: .utf8) })
        } catch {
            throw ValidationError(error.description)
        }
        let vncPassword = try vncPasswordFile.map(Self.readPassword)
        let backendPassword = try backendPasswordFile.map(Self.readPassword) ?? vncPassword
        let screen: AgentConfiguration.ScreenChoice =
            try vnc.map { .vncServer(try AgentConfiguration.HostPort(parsing: $0)) }
            ?? .x11(display: display)
        var configuration = AgentConfiguration(
            server: server, company: company, name: name, connectionPassword: password,
            enrollToken: token, screen: screen,
            mode: AgentConfiguration.Mode(rawValue: mode) ?? .attended, stateDirectory: stateDir,
            serverKey: serverKey,
            listenVNC: try listenVnc.map { try AgentConfiguration.HostPort(parsing: $0) },
            vncPassword: vncPassword, backendPassword: backendPassword, framesPerSecond: fps,
            consentCommand: consentCommand)
        configuration.filesRoots = filesRoots
        configuration.filesEnabled = !noFiles
        configuration.terminalEnabled = !noTerminal
        return configuration
    }

    /// The first line of a password file.
    private static func readPassword(_ path: String) throws -> String {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
    }
}

import Foundation
import NIOCore
import NIOPosix
import OperatorClient

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the commands share: reading passwords, the saved login, an API client that is
/// always shut down, unbuffered output and Ctrl+C.
enum CLI {
    /// The password: all of standard input less one trailing newline with `--password-stdin`,
    /// else a prompt without echo when standard input is a terminal.
    static func readPassword(fromStdin: Bool, prompt: String) throws -> String {
        if fromStdin {
            var data = FileHandle.standardInput.readDataToEndOfFile()
            if data.last == UInt8(ascii: "\n") { data.removeLast() }
            if data.last == UInt8(ascii: "\r") { data.removeLast() }
            guard let password = String(data: data, encoding: .utf8), !password.isEmpty else {
                throw CLIFailure("the password on standard input is empty / 標準入力のパスワードが空です")
            }
            return password
        }
        guard isatty(STDIN_FILENO) == 1, let typed = getpass(prompt), typed.pointee != 0 else {
            throw CLIFailure(
                "give the password on standard input with --password-stdin"
                    + " / パスワードは --password-stdin で標準入力から渡してください")
        }
        return String(cString: typed)
    }

    /// The saved login, or a failure telling the user to run `tsunagu login` first.
    static func loadCredentials() throws -> Credentials {
        do {
            return try CredentialStore.standard().load()
        } catch {
            throw CLIFailure(error.description)
        }
    }

    /// Runs `body` with an API client for `server`, shutting the client down afterwards;
    /// API errors come out as the user's bilingual explanation.
    static func withAPI<T: Sendable>(
        server: ServerURL, token: String?, caFile: String?, _ body: (TsunaguAPI) async throws -> T
    ) async throws -> T {
        do {
            return try await TsunaguAPI.withClient(
                server: server, token: token, caFile: caFile, body)
        } catch {
            throw failure(for: error)
        }
    }

    /// Runs `body` with the saved login's API client.
    static func withAPI<T: Sendable>(
        _ credentials: Credentials, caFile: String?, _ body: (TsunaguAPI) async throws -> T
    ) async throws -> T {
        try await withAPI(
            server: credentials.server, token: credentials.token,
            caFile: caFile ?? credentials.caFile, body)
    }

    /// What to print for `error`.
    static func failure(for error: any Error) -> any Error {
        switch error {
        case let error as APIError: CLIFailure(error.explanation)
        case let error as CLIFailure: error
        default: CLIFailure(String(describing: error))
        }
    }

    /// Runs `body` until it ends or Ctrl+C (or SIGTERM) cancels it; a second Ctrl+C exits
    /// at once in case the clean-up hangs.
    static func untilInterrupted(_ body: @escaping @Sendable () async throws -> Void) async throws {
        let task = Task { try await body() }
        let sources = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if task.isCancelled { exit(130) }
                say("Stopping; ending the sessions… / 終了しています…")
                task.cancel()
            }
            source.resume()
            return source
        }
        defer {
            for source in sources { source.cancel() }
        }
        do {
            try await task.value
        } catch is CancellationError {
        }
    }

    /// Joins the relay with `created`'s ticket; a session or channel that ends first (declined,
    /// turned off on the device) fails at once with its explanation.
    static func joinRelay(_ created: CreatedSession, api: TsunaguAPI) async throws -> any Channel {
        switch await RelayJoin.join(created, api: api, group: MultiThreadedEventLoopGroup.singleton)
        {
        case .paired(let connection):
            return connection
        case .ended(let reason):
            throw CLIFailure(APIError.sessionEndExplanation(reason))
        case .failed(let why):
            throw CLIFailure("could not join the relay: \(why) / リレーに接続できませんでした")
        case nil:
            throw CancellationError()
        }
    }

    /// Writes a line to standard output at once (no buffering: scripts wait for these lines).
    static func say(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Writes a line to standard error.
    static func warn(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

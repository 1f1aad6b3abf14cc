import Foundation
import NIOCore
import NIOPosix
import OperatorClient
import RelayClient
import Synchronization
import Terminal
import TsunaguCore

/// One `tsunagu shell`: a terminal session with a device, the local terminal in raw mode
/// while it runs, and a reattach when the connection drops (the agent keeps the terminal
/// for 60 s). Its result is the remote process' exit status.
struct RemoteShell: Sendable {
    let api: TsunaguAPI
    let device: String
    let password: String
    let command: [String]
    /// How long a dropped terminal is tried again (the agent's grace period).
    var reattachWindow: Duration = .seconds(60)

    /// The channel a terminal's input goes to, and what was typed while there was none.
    private final class InputRoute: Sendable {
        private struct State {
            var client: TerminalClient?
            var pending: [UInt8] = []
        }
        private let state = Mutex(State())

        func send(_ bytes: [UInt8]) {
            let client = state.withLock { state -> TerminalClient? in
                guard let client = state.client else {
                    // Kept for the reattach; a runaway paste is cut rather than held.
                    state.pending = Array((state.pending + bytes).suffix(64 * 1024))
                    return nil
                }
                return client
            }
            client?.send(ByteBuffer(bytes: bytes))
        }

        func resize(_ size: TerminalSize) {
            state.withLock { $0.client }?.resize(size)
        }

        func attach(_ client: TerminalClient?) {
            let pending = state.withLock { state -> [UInt8] in
                state.client = client
                guard client != nil else { return [] }
                defer { state.pending = [] }
                return state.pending
            }
            if let client, !pending.isEmpty { client.send(ByteBuffer(bytes: pending)) }
        }
    }

    /// Runs the terminal until its process ends, and returns how it ended.
    func run() async throws -> TerminalExitStatus {
        var session = try await api.createSession(
            device: device, password: password, channel: .terminal)
        if session.attended {
            CLI.warn("Waiting for the customer to allow the session… / お客様の許可を待っています…")
        }
        let isTerminal = RawTerminalMode.isTerminal(STDIN_FILENO)
        let size =
            RawTerminalMode.windowSize(of: STDOUT_FILENO) ?? TerminalSize(columns: 80, rows: 24)
        var client: TerminalClient
        do {
            client = try await TerminalClient.open(
                on: join(session), size: size, command: command)
        } catch {
            _ = try? await api.endSession(session.sessionId)
            throw Self.explain(error)
        }
        let raw = isTerminal ? try? RawTerminalMode(descriptor: STDIN_FILENO) : nil
        defer { raw?.restore() }
        let route = InputRoute()
        route.attach(client)
        let input = Task {
            var last: UInt8?
            for await chunk in StandardInput.chunks() {
                route.send(chunk)
                last = chunk.last ?? last
            }
            // Input from a pipe or file ended: end-of-file for the remote program, as a
            // terminal's Ctrl+D (twice when a line is unfinished, as on a terminal).
            if !isTerminal {
                route.send(last == nil || last == UInt8(ascii: "\n") ? [0x04] : [0x04, 0x04])
            }
        }
        let resizes = Task {
            guard isTerminal else { return }
            for await size in WindowSizeChanges.of(descriptor: STDOUT_FILENO) {
                route.resize(size)
            }
        }
        defer {
            input.cancel()
            resizes.cancel()
        }
        var printed = PrintedOutputTail()
        while true {
            Self.write(printed.unseen(in: client.replay), into: &printed)
            for await chunk in client.output { Self.write(chunk, into: &printed) }
            do {
                let status = try await client.exitStatus()
                _ = try? await api.endSession(session.sessionId)
                return status
            } catch .disconnected {
                route.attach(nil)
                Self.notice("The connection dropped; reconnecting… / 接続が切れました。再接続しています…")
                do {
                    (client, session) = try await reattach(client.token, session: session)
                } catch {
                    _ = try? await api.endSession(session.sessionId)
                    throw Self.explain(error)
                }
                Self.notice("Reconnected. / 再接続しました。")
                route.attach(client)
            } catch {
                _ = try? await api.endSession(session.sessionId)
                throw Self.explain(error)
            }
        }
    }

    /// Joins the relay with the session's ticket; the terminal's first message is ours, so the
    /// peer's bytes may flow at once.
    private func join(_ session: CreatedSession) async throws -> any Channel {
        let connection = try await CLI.joinRelay(session, api: api)
        try await RelayDialer.startForwarding(connection).get()
        return connection
    }

    /// Attaches to the terminal of `token` again, with a new ticket of the same session, or of
    /// a new one when the dropped channel was the session's last; tried until the agent's
    /// grace period has passed.
    private func reattach(_ token: TerminalToken, session: CreatedSession) async throws
        -> (TerminalClient, CreatedSession)
    {
        let deadline = ContinuousClock.now + reattachWindow
        var session = session
        while true {
            do {
                let ticket: CreatedSession
                if let more = try? await api.openChannel(.terminal, session: session.sessionId) {
                    ticket = more
                } else {
                    ticket = try await api.createSession(
                        device: device, password: password, channel: .terminal)
                    session = ticket
                }
                let client = try await TerminalClient.attach(on: join(ticket), token: token)
                return (client, session)
            } catch TerminalClient.Error.refused(let refusal) {
                // The terminal ended, or is gone: nothing to come back to.
                throw TerminalClient.Error.refused(refusal)
            } catch {
                // Someone ended the session on purpose: the terminal went with it.
                if let state = try? await api.session(session.sessionId), state.status == "ended",
                    let reason = state.endReason, Self.finalReasons.contains(reason)
                {
                    throw CLIFailure(APIError.sessionEndExplanation(reason))
                }
                guard ContinuousClock.now < deadline else { throw error }
                try await Task.sleep(for: .seconds(2))
            }
        }
    }

    /// Ends that take the terminal with them (unlike a lost relay or connection).
    static let finalReasons: Set<SessionEndReason> = [
        .agentStopped, .endedByCustomer, .endedByOperator,
    ]

    private static func write(_ output: ByteBuffer, into printed: inout PrintedOutputTail) {
        guard output.readableBytes > 0 else { return }
        output.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let count = Glibc.write(
                    STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if count < 0, errno == EINTR { continue }
                // Standard output closed (`| head`): the rest is not wanted.
                if count <= 0 { return }
                offset += count
            }
        }
        printed.append(output)
    }

    /// A line on standard error that reads right in raw mode too (where "\n" does not return
    /// the cursor).
    private static func notice(_ text: String) {
        FileHandle.standardError.write(Data(("\r\n" + text + "\r\n").utf8))
    }

    /// A terminal failure as the user should read it (English / Japanese).
    static func explain(_ error: any Error) -> any Error {
        guard let error = error as? TerminalClient.Error else { return error }
        switch error {
        case .refused(let refusal):
            let japanese =
                switch refusal.code {
                case .terminalDisabled: "このデバイスではターミナルが無効になっています"
                case .notFound: "ターミナルはすでに終了しています"
                case .spawnFailed: "プログラムを起動できませんでした"
                case .badRequest: "要求が正しくありません"
                case .unsupportedVersion: "エージェントのバージョンが合いません"
                case .takenOver: "別の接続がこのターミナルを引き継ぎました"
                }
            return CLIFailure("\(refusal.code.rawValue): \(refusal.message) / \(japanese)")
        case .disconnected:
            return CLIFailure(
                "the connection closed before the terminal ended / ターミナルの終了前に接続が切れました")
        case .protocolViolation, .invalidRequest:
            return CLIFailure("\(error) / 通信内容が正しくありません")
        }
    }
}

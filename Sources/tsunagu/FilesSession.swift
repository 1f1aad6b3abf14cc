import FileTransfer
import Foundation
import NIOCore
import NIOPosix
import OperatorClient
import RelayClient
import TsunaguCore

/// A `files` session for one command: opened with the connection password, joined through
/// the relay, and always ended (DELETE) when the command is done, however it ends.
enum FilesSession {
    static func run<T: Sendable>(
        _ options: FilesDeviceOptions, _ body: @escaping @Sendable (FilesClient) async throws -> T
    ) async throws -> T {
        let password = try CLI.readPassword(
            fromStdin: options.passwordStdin, prompt: "Connection password / 接続パスワード: ")
        let credentials = try CLI.loadCredentials()
        let name = options.name
        return try await CLI.withAPI(credentials, caFile: options.tls.caFile) { api in
            let session = try await api.createSession(
                device: name, password: password, channel: .files)
            if session.attended {
                CLI.warn("Waiting for the customer to allow the session… / お客様の許可を待っています…")
            }
            do {
                let connection = try await CLI.joinRelay(session, api: api)
                let files = try await FilesClient.open(on: connection) {
                    try await RelayDialer.startForwarding(connection).get()
                }
                let result: T
                do {
                    result = try await body(files)
                } catch {
                    await files.close()
                    throw error
                }
                await files.close()
                _ = try? await api.endSession(session.sessionId)
                return result
            } catch {
                _ = try? await api.endSession(session.sessionId)
                throw Self.explain(error)
            }
        }
    }

    /// A files-protocol failure as the user should read it (English / Japanese).
    static func explain(_ error: any Error) -> any Error {
        let fileError: FileError
        switch error {
        case let error as FileError: fileError = error
        case let failure as FilesClient.TransferFailure: fileError = failure.error
        default: return error
        }
        let japanese: String
        switch fileError.code {
        case .outsideRoot: japanese = "共有フォルダーの外のパスです"
        case .notFound: japanese = "見つかりません"
        case .notAFolder: japanese = "フォルダーではありません"
        case .isAFolder: japanese = "フォルダーです"
        case .exists: japanese = "すでに存在します"
        case .permissionDenied: japanese = "アクセスが拒否されました"
        case .diskFull: japanese = "ディスクの空き容量がありません"
        case .hashMismatch: japanese = "ハッシュが一致しません (ファイルが壊れています)"
        case .badRequest: japanese = "要求が正しくありません"
        case .cancelled: japanese = "キャンセルされました"
        case .ioError: japanese = "入出力エラー"
        case .unsupportedVersion: japanese = "エージェントのバージョンが合いません"
        }
        return CLIFailure("\(fileError.code.rawValue): \(fileError.message) / \(japanese)")
    }
}

import ArgumentParser
import Foundation
import OperatorClient
import TsunaguCore

/// `tsunagu login --server URL --company ID --login LOGIN --password-stdin`: logs in and
/// keeps the token (mode 0600) for the other commands.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login", abstract: "Log in to a Tsunagu server. / サーバーにログイン")

    @Option(help: "The server's URL (https://…; http:// only to this machine). / サーバーの URL")
    var server: String

    @Option(help: "Your company ID. / 会社ID")
    var company: String

    @Option(help: "Your login name. / ログイン名")
    var login: String

    @Flag(
        name: .customLong("password-stdin"),
        help: "Read the password from standard input. / パスワードを標準入力から読む")
    var passwordStdin = false

    @OptionGroup var tls: TLSOptions

    func run() async throws {
        let url: ServerURL
        do {
            url = try ServerURL(server)
        } catch {
            throw CLIFailure(error.description)
        }
        guard let companyID = CompanyID(company) else {
            throw CLIFailure("not a company ID: \(company) / 会社IDの形式が正しくありません: \(company)")
        }
        let caFile = tls.caFile.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        let password = try CLI.readPassword(fromStdin: passwordStdin, prompt: "Password / パスワード: ")
        let result = try await CLI.withAPI(server: url, token: nil, caFile: caFile) { api in
            try await api.login(company: companyID.rawValue, login: login, password: password)
        }
        let credentials = Credentials(
            server: url, company: result.operator.company, login: result.operator.login,
            token: result.token,
            expiresAt: result.expiresAt, caFile: caFile)
        let store = CredentialStore.standard()
        do {
            try store.save(credentials)
        } catch {
            throw CLIFailure(error.description)
        }
        let until = ISO8601DateFormatter().string(from: result.expiresAt)
        CLI.say(
            "Logged in to \(url) as \(credentials.login)@\(credentials.company) until \(until)."
                + " / \(credentials.login)@\(credentials.company) としてログインしました（有効期限 \(until)）。")
    }
}

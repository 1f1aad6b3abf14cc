import ArgumentParser
import Foundation

/// `tsunagu shell NAME --password-stdin [-- COMMAND…]`: a terminal on the device in this
/// terminal (raw mode, resize), through a relay; the remote exit status becomes this
/// command's (a signal N as 128 + N, as a shell reports it).
struct ShellCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell",
        abstract: "Open a terminal on a device. / デバイスのターミナルを開く",
        discussion: """
            Without COMMAND the login shell of the agent's user runs. With --password-stdin the \
            first line of standard input is the connection password and the rest goes to the \
            remote program. / COMMAND を省略するとエージェントのユーザーのログインシェルが起動します。\
            --password-stdin では標準入力の 1 行目が接続パスワードで、残りはリモートのプログラムに渡ります。
            """)

    @Argument(help: "The device's connection name. / 接続名")
    var name: String

    @Flag(
        name: .customLong("password-stdin"),
        help:
            "Read the connection password from the first line of standard input. / 接続パスワードを標準入力の 1 行目から読む"
    )
    var passwordStdin = false

    @OptionGroup var tls: TLSOptions

    @Argument(
        parsing: .postTerminator, help: "The program and its arguments (after --). / 実行するプログラム")
    var command: [String] = []

    func run() async throws {
        let password: String
        if passwordStdin {
            guard let line = StandardInput.readLine() else {
                throw CLIFailure("the password on standard input is empty / 標準入力のパスワードが空です")
            }
            password = line
        } else {
            password = try CLI.readPassword(
                fromStdin: false, prompt: "Connection password / 接続パスワード: ")
        }
        let credentials = try CLI.loadCredentials()
        let (name, command) = (name, command)
        let status = try await CLI.withAPI(credentials, caFile: tls.caFile) { api in
            try await RemoteShell(api: api, device: name, password: password, command: command)
                .run()
        }
        throw ExitCode(status.code)
    }
}

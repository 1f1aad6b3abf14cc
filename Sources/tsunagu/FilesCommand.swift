import ArgumentParser

/// `tsunagu files ls|push|pull`: files on a device, through a relay, in one session each.
struct FilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "files",
        abstract: "List, send and fetch files on a device. / デバイスのファイルの一覧・送信・取得",
        subcommands: [FilesListCommand.self, FilesPushCommand.self, FilesPullCommand.self])
}

/// The options every `files` command takes.
struct FilesDeviceOptions: ParsableArguments {
    @Argument(help: "The device's connection name. / 接続名")
    var name: String

    @Flag(
        name: .customLong("password-stdin"),
        help: "Read the device's connection password from standard input. / 接続パスワードを標準入力から読む")
    var passwordStdin = false

    @OptionGroup var tls: TLSOptions
}

import ArgumentParser

/// `tsunagu log …`: the connection log.
struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "The connection log. / 接続ログ",
        subcommands: [LogExportCommand.self])
}

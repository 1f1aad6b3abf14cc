import ArgumentParser

/// `tsunagu`: the operator's command line (DESIGN.md, "Fixed names").
@main
struct Tsunagu: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsunagu",
        abstract:
            "Tsunagu for operators: log in, list devices, connect a VNC viewer, move files, open a shell, export the log."
            + " / Tsunagu オペレーター用コマンド",
        subcommands: [
            LoginCommand.self, DevicesCommand.self, ConnectCommand.self, FilesCommand.self,
            ShellCommand.self, LogCommand.self,
        ])
}

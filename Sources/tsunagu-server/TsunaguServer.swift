import ArgumentParser
import Logging

/// `tsunagu-server`: the control plane and its admin commands.
@main
struct TsunaguServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsunagu-server",
        abstract: "Tsunagu control plane: companies, operators, devices, sessions. / Tsunagu 管理サーバ",
        subcommands: [
            ServeCommand.self, TenantCommand.self, OperatorCommand.self, EnrollTokenCommand.self,
            RelayKeyCommand.self, LogCommand.self,
        ],
        defaultSubcommand: ServeCommand.self)
}

/// Sets up logging once per process: info for the server, warnings only for admin commands.
func bootstrapLogging(_ level: Logger.Level) {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
}

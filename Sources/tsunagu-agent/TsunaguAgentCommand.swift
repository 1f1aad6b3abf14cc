import ArgumentParser

/// `tsunagu-agent`: the program on the customer's machine.
@main
struct TsunaguAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsunagu-agent",
        abstract: "Tsunagu agent: serves this machine's screen to support operators.",
        subcommands: [RunCommand.self])
}

import ArgumentParser
import ControlPlane

/// `tsunagu-server relay-key create`: registers an external relay and prints its key.
struct RelayKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay-key", abstract: "Manage external relays. / 外部リレーの管理",
        subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a relay and print its key for tsunagu-relay --relay-key. / リレーを登録し鍵を表示")

        @OptionGroup var storage: StorageOptions
        @Option(help: "Relay id, e.g. relay-tokyo-1") var id: String
        @Option(help: "Where browsers and agents reach it: wss://HOST:PORT/relay/v1") var url: String

        func run() async throws {
            let (id, url) = (self.id, self.url)
            let key = try await AdminContext.run(storage) { db, _ in
                try await RelayDirectory(database: db).createKey(relayID: id, url: url)
            }
            print(key)
        }
    }
}

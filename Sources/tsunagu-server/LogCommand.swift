import ArgumentParser
import ControlPlane
import Foundation

/// `tsunagu-server log verify|purge`: the connection log's integrity and retention.
struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "Connection log. / 接続ログ",
        subcommands: [Verify.self, Purge.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every company's hash chain; exit 1 if anything was changed or deleted. / 改ざん検査")

        @OptionGroup var storage: StorageOptions

        func run() async throws {
            let results = try await AdminContext.run(storage) { db, _ in
                try await ConnectionLog(database: db).verify()
            }
            var broken = false
            for result in results {
                if result.problems.isEmpty {
                    print("\(result.companyID): \(result.records) records, chain intact / 改ざんなし")
                } else {
                    broken = true
                    print("\(result.companyID): \(result.records) records, TAMPERED / 改ざんあり")
                    for problem in result.problems { print("  - \(problem)") }
                }
            }
            if broken { throw ExitCode(1) }
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove records older than the retention (at least 365 days). / 保存期間を過ぎた記録を削除")

        @OptionGroup var storage: StorageOptions
        @Option(help: "Keep this many days (365 or more)") var retentionDays: Int = 365

        func run() async throws {
            guard retentionDays >= ConnectionLog.minimumRetentionDays else {
                throw ValidationError(
                    "--retention-days must be at least \(ConnectionLog.minimumRetentionDays) / 365 日未満は指定できません")
            }
            let cutoff = Date().addingTimeInterval(-Double(retentionDays) * 86_400)
            let removed = try await AdminContext.run(storage) { db, _ in
                try await ConnectionLog(database: db).purge(endedBefore: cutoff)
            }
            print("Removed \(removed) records that ended before \(cutoff). / \(removed) 件を削除しました。")
        }
    }
}

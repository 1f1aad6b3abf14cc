import ArgumentParser
import ControlPlane
import Foundation

/// `tsunagu-server enroll-token create`: a token for an agent's first contact.
struct EnrollTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll-token", abstract: "Manage agent enrollment tokens. / 登録トークン",
        subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new enrollment token. / 新しい登録トークンを表示")

        @OptionGroup var storage: StorageOptions
        @Option(help: "Company ID") var company: String
        @Option(help: "How many agents may enroll with it") var uses: Int = 1
        @Option(help: "Hours until it expires") var expiresInHours: Double = 24

        func run() async throws {
            let (company, uses, hours) = (self.company, self.uses, self.expiresInHours)
            let token = try await AdminContext.run(storage) { db, _ in
                let tenant = try await TenantRegistry(database: db).require(companyID: company)
                return try await EnrollmentTokenIssuer(database: db)
                    .issue(tenant: tenant, uses: uses, lifetime: hours * 3600, createdBy: "cli").token
            }
            print(token)
        }
    }
}

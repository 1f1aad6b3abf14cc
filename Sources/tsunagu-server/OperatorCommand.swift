import ArgumentParser
import ControlPlane

extension Operator.Role: ExpressibleByArgument {}

/// `tsunagu-server operator create`: an operator of a company, within its seats.
struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator", abstract: "Manage operators. / オペレーターの管理",
        subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an operator. / オペレーターを作成")

        @OptionGroup var storage: StorageOptions
        @Option(help: "Company ID") var company: String
        @Option(help: "Login name") var login: String
        @Flag(help: "Read the password from standard input") var passwordStdin = false
        @Option(help: "admin or operator") var role: Operator.Role = .operator

        func run() async throws {
            guard passwordStdin else {
                throw ValidationError("give the password on standard input with --password-stdin")
            }
            let password = try AdminContext.readPasswordFromStdin()
            let (company, login, role) = (self.company, self.login, self.role)
            let created = try await AdminContext.run(storage) { db, context in
                let tenant = try await TenantRegistry(database: db).require(companyID: company)
                let op = try await OperatorRoster(database: db, hasher: context.hasher)
                    .create(tenant: tenant, login: login, password: password, role: role)
                return "\(op.login)@\(tenant.companyID) (\(op.role.rawValue))"
            }
            print("Created operator \(created). / オペレーター \(created) を作成しました。")
        }
    }
}

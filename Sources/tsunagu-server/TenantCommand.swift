import ArgumentParser
import ControlPlane
import Foundation

/// `tsunagu-server tenant create`: a new company with its seats.
struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant", abstract: "Manage companies. / 会社の管理",
        subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a company. / 会社を作成")

        @OptionGroup var storage: StorageOptions
        @Option(help: "Company ID operators type at login (letters, digits, '-')") var company: String
        @Option(help: "Company name") var name: String
        @Option(help: "Number of operator seats") var seats: Int
        @Option(help: "Licence valid through this date (YYYY-MM-DD, UTC)") var expires: String?
        @Option(help: "Contact mail address for notices (repeatable)") var contact: [String] = []

        func run() async throws {
            let expiresAt = try expires.map(Self.endOfDay)
            let new = TenantRegistry.NewTenant(
                companyID: company, name: name, seats: seats, licenceExpiresAt: expiresAt,
                contacts: contact)
            let (id, seats) = try await AdminContext.run(storage) { db, _ in
                let tenant = try await TenantRegistry(database: db).create(new)
                return (tenant.companyID, tenant.seats)
            }
            print("Created company \(id) with \(seats) seats. / 会社 \(id) を作成しました（\(seats) 席）。")
        }

        /// A licence "through 2027-03-31" ends at the start of the next day, UTC.
        static func endOfDay(_ text: String) throws -> Date {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd"
            guard let day = formatter.date(from: text) else {
                throw ValidationError("--expires: expected YYYY-MM-DD, got \(text)")
            }
            return day.addingTimeInterval(24 * 3600)
        }
    }
}

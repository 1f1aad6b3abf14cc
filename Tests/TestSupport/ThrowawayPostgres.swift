import Foundation

/// The PostgreSQL server `make test` starts for the tests (`scripts/with-postgres`), named by
/// `TSUNAGU_TEST_POSTGRES_URL`; every test makes a database of its own on it.
public enum ThrowawayPostgres {
    /// The superuser URL, when a server is there.
    public static var adminURL: String? {
        ProcessInfo.processInfo.environment["TSUNAGU_TEST_POSTGRES_URL"].flatMap {
            $0.isEmpty ? nil : $0
        }
    }

    /// Makes a fresh, empty database and returns its URL.
    public static func createDatabase() throws -> String {
        guard let admin = adminURL else { throw SetupFailure("no PostgreSQL for tests") }
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = [admin, "-q", "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE \(name)"]
        let errors = Pipe()
        process.standardError = errors
        LiveProcesses.markDescriptorsCloseOnExec()
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(
                decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw SetupFailure("psql failed: \(text)")
        }
        return "\(admin[..<admin.lastIndex(of: "/")!])/\(name)"
    }
}

/// A test's set-up could not be made (a tool failed or is missing).
public struct SetupFailure: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

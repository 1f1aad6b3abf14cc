import Testing
import ControlPlane
import Foundation
import TestSupport

/// The databases every control-plane test runs against: SQLite always, PostgreSQL when
/// `TSUNAGU_TEST_POSTGRES_URL` names a server (`make test` starts a throwaway one).
enum TestDatabase: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    static var adminURL: String? {
        ProcessInfo.processInfo.environment["TSUNAGU_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The kinds available here; `make test` sets TSUNAGU_REQUIRE_POSTGRES so that a missing
    /// PostgreSQL fails loudly (see `PostgresAvailabilityTests`) instead of shrinking the run.
    static var available: [TestDatabase] {
        adminURL == nil ? [.sqlite] : [.sqlite, .postgres]
    }

    /// A fresh, empty database of this kind; `dataDirectory` holds the SQLite file.
    func makeLocation(in dataDirectory: String) throws -> ServerConfiguration.DatabaseLocation {
        switch self {
        case .sqlite:
            return .sqlite(path: dataDirectory + "/tsunagu.sqlite")
        case .postgres:
            guard let admin = Self.adminURL else { throw TestSetupError("no PostgreSQL for tests") }
            let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            try Self.psql(admin, "CREATE DATABASE \(name)")
            let base = admin[..<admin.lastIndex(of: "/")!]
            return .postgres(url: "\(base)/\(name)")
        }
    }

    private static func psql(_ url: String, _ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = [url, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]
        let errors = Pipe()
        process.standardError = errors
        LiveProcesses.markDescriptorsCloseOnExec()
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw TestSetupError("psql failed: \(text)")
        }
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}


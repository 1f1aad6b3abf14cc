import Testing
import ControlPlane
import Foundation
import TestSupport

/// The databases every control-plane test runs against: SQLite always, PostgreSQL when
/// `TSUNAGU_TEST_POSTGRES_URL` names a server (`make test` starts a throwaway one).
enum TestDatabase: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    static var adminURL: String? { ThrowawayPostgres.adminURL }

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
            return .postgres(url: try ThrowawayPostgres.createDatabase())
        }
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}


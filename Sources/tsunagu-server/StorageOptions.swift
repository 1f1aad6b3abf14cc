import ArgumentParser
import ControlPlane
import Foundation

/// `--data-dir` and `--database-url`, shared by `serve` and the admin commands so that they
/// always open the same records. Each falls back to a `TSUNAGU_*` environment variable.
struct StorageOptions: ParsableArguments {
    @Option(help: "Folder for the SQLite file and keys (env TSUNAGU_DATA_DIR). Default ./tsunagu-data")
    var dataDir: String?

    @Option(help: "postgres://user:pass@host:port/db to use PostgreSQL instead of SQLite (env TSUNAGU_DATABASE_URL)")
    var databaseURL: String?

    /// The data directory after flags and environment.
    var resolvedDataDir: String {
        dataDir ?? ProcessInfo.processInfo.environment["TSUNAGU_DATA_DIR"] ?? "./tsunagu-data"
    }

    /// The database after flags and environment; nil means the embedded SQLite file.
    var resolvedDatabase: ServerConfiguration.DatabaseLocation? {
        guard let url = databaseURL ?? ProcessInfo.processInfo.environment["TSUNAGU_DATABASE_URL"],
            !url.isEmpty
        else { return nil }
        return .postgres(url: url)
    }

    func validate() throws {
        if let url = databaseURL ?? ProcessInfo.processInfo.environment["TSUNAGU_DATABASE_URL"],
            !url.isEmpty, !(url.hasPrefix("postgres://") || url.hasPrefix("postgresql://"))
        {
            throw ValidationError("--database-url must start with postgres:// (SQLite needs no URL)")
        }
    }
}

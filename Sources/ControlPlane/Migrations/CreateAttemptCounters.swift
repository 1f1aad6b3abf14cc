import Fluent

/// Failed-attempt counters shared by every instance (logins, connection passwords): a row per
/// throttled key, so limits hold across restarts and across servers sharing PostgreSQL.
struct CreateAttemptCounters: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(AttemptThrottle.schema)
            .field("key", .string, .required)
            .field("failures", .int64, .required)
            // Seconds since 1970 as plain numbers: compared in SQL the same way by SQLite and
            // PostgreSQL, whatever each driver does with dates.
            .field("window_started_at", .double, .required)
            .field("locked_until", .double)
            .unique(on: "key")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(AttemptThrottle.schema).delete()
    }
}

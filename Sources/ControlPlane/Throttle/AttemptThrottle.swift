import Fluent
import Foundation
import SQLKit

/// Counts failed attempts per key in the database, atomically and before the slow check.
///
/// An attempt first *reserves* a failure on each of its keys (one upsert that also forgets an
/// old window or an expired lock and answers the count); the caller refuses it unchecked when a
/// key is locked or over its limit, and only then verifies the password. A success releases
/// the reservations; a failure keeps them and may lock a key. Because the count rises before
/// the hash, parallel attempts cannot slip past the limit, and because it lives in the
/// database it holds across restarts and across instances sharing PostgreSQL.
public struct AttemptThrottle: Sendable {
    static let schema = "attempt_counters"

    let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    /// A key's state right after this attempt reserved its failure.
    public struct Slot: Sendable, Equatable {
        /// Failures in the window including in-flight attempts, this one among them.
        public var failures: Int
        /// Seconds since 1970 until which the key is locked, if it is.
        public var lockedUntil: Double?

        public init(failures: Int, lockedUntil: Double?) {
            self.failures = failures
            self.lockedUntil = lockedUntil
        }

        /// Whole seconds of lock left at `now`, or nil when not locked.
        public func lockRemaining(at now: Double) -> Int? {
            guard let lockedUntil, lockedUntil > now else { return nil }
            return max(1, Int((lockedUntil - now).rounded(.up)))
        }
    }

    /// Reserves one failure on `key`; returns the count and any lock.
    public func reserve(_ key: ThrottleKey, limit: AttemptLimit, now: Date = Date()) async throws
        -> Slot
    {
        let sql = try self.sql
        let t = now.timeIntervalSince1970
        let windowStart = t - limit.windowSeconds
        // Both SQLite (3.35+) and PostgreSQL: upsert with RETURNING, old values on the right.
        let fresh: SQLQueryString =
            "(\(ident: Self.schema).window_started_at < \(bind: windowStart) OR (\(ident: Self.schema).locked_until IS NOT NULL AND \(ident: Self.schema).locked_until <= \(bind: t)))"
        let row = try await sql.raw(
            """
            INSERT INTO \(ident: Self.schema) (\(ident: "key"), failures, window_started_at, locked_until)
            VALUES (\(bind: key.rowKey), 1, \(bind: t), NULL)
            ON CONFLICT (\(ident: "key")) DO UPDATE SET
              failures = CASE WHEN \(fresh) THEN 1 ELSE \(ident: Self.schema).failures + 1 END,
              window_started_at = CASE WHEN \(fresh) THEN \(bind: t) ELSE \(ident: Self.schema).window_started_at END,
              locked_until = CASE WHEN \(fresh) THEN NULL ELSE \(ident: Self.schema).locked_until END
            RETURNING failures, locked_until
            """
        ).first()
        guard let row else { throw AttemptThrottleError.noRow }
        return Slot(
            failures: Int(try row.decode(column: "failures", as: Int64.self)),
            lockedUntil: try row.decodeNil(column: "locked_until")
                ? nil : row.decode(column: "locked_until", as: Double.self))
    }

    /// Gives back a reservation: the attempt succeeded or was refused unchecked.
    public func release(_ key: ThrottleKey) async throws {
        try await sql.raw(
            "UPDATE \(ident: Self.schema) SET failures = failures - 1 WHERE \(ident: "key") = \(bind: key.rowKey) AND failures > 0"
        ).run()
    }

    /// Keeps the reservation as a failure; locks the key when it reached its limit.
    /// - Returns: whether this failure began a lock.
    @discardableResult
    public func confirmFailure(_ key: ThrottleKey, limit: AttemptLimit, now: Date = Date())
        async throws -> Bool
    {
        let t = now.timeIntervalSince1970
        let rows = try await sql.raw(
            """
            UPDATE \(ident: Self.schema) SET locked_until = \(bind: t + limit.lockSeconds)
            WHERE \(ident: "key") = \(bind: key.rowKey) AND failures >= \(bind: limit.failures)
              AND (locked_until IS NULL OR locked_until <= \(bind: t))
            RETURNING failures
            """
        ).all()
        return !rows.isEmpty
    }

    /// Forgets `key` (an admin unlocked it).
    public func clear(_ key: ThrottleKey) async throws {
        try await sql.raw(
            "DELETE FROM \(ident: Self.schema) WHERE \(ident: "key") = \(bind: key.rowKey)"
        ).run()
    }

    /// Drops rows whose window and lock are both over (housekeeping).
    public func purge(olderThan seconds: Double = 3600, now: Date = Date()) async throws {
        let t = now.timeIntervalSince1970
        try await sql.raw(
            """
            DELETE FROM \(ident: Self.schema) WHERE window_started_at < \(bind: t - seconds)
              AND (locked_until IS NULL OR locked_until < \(bind: t))
            """
        ).run()
    }

    private var sql: any SQLDatabase {
        get throws {
            guard let sql = database as? any SQLDatabase else { throw AttemptThrottleError.notSQL }
            return sql
        }
    }
}

/// Why the throttle could not count.
enum AttemptThrottleError: Error {
    /// The database is not an SQL database (every driver we ship is).
    case notSQL
    /// The upsert answered no row.
    case noRow
}

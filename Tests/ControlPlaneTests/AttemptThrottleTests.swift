import ControlPlane
import Foundation
import Testing

/// The shared failure counters on both databases: counted before the check, atomically.
@Suite("AttemptThrottle")
struct AttemptThrottleTests {
    let limit = AttemptLimit(failures: 3, lockSeconds: 60, windowSeconds: 600)

    @Test(arguments: TestDatabase.available)
    func reservesReleasesAndLocks(_ kind: TestDatabase) async throws {
        try await TestControlPlane.with(kind) { cp in
            let throttle = AttemptThrottle(database: cp.app.db)
            let key = ThrottleKey.address("192.0.2.7")
            let t0 = Date(timeIntervalSince1970: 2_000_000)
            #expect(try await throttle.reserve(key, limit: limit, now: t0).failures == 1)
            #expect(try await throttle.reserve(key, limit: limit, now: t0).failures == 2)
            try await throttle.release(key)  // the second attempt succeeded
            #expect(try await throttle.reserve(key, limit: limit, now: t0).failures == 2)
            #expect(try await throttle.confirmFailure(key, limit: limit, now: t0) == false)
            #expect(try await throttle.reserve(key, limit: limit, now: t0).failures == 3)
            #expect(try await throttle.confirmFailure(key, limit: limit, now: t0) == true)
            let locked = try await throttle.reserve(
                key, limit: limit, now: t0.addingTimeInterval(10))
            #expect(locked.lockRemaining(at: t0.timeIntervalSince1970 + 10) == 50)
            // A lock that ran out starts a fresh window.
            let after = try await throttle.reserve(
                key, limit: limit, now: t0.addingTimeInterval(61))
            #expect(after == .init(failures: 1, lockedUntil: nil))
            // Other keys are apart.
            #expect(
                try await throttle.reserve(.address("192.0.2.8"), limit: limit, now: t0).failures
                    == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func oldFailuresAreForgotten(_ kind: TestDatabase) async throws {
        try await TestControlPlane.with(kind) { cp in
            let throttle = AttemptThrottle(database: cp.app.db)
            let key = ThrottleKey.account(company: "ACME", login: "admin")
            let t0 = Date(timeIntervalSince1970: 3_000_000)
            _ = try await throttle.reserve(key, limit: limit, now: t0)
            _ = try await throttle.reserve(key, limit: limit, now: t0)
            let later = try await throttle.reserve(
                key, limit: limit, now: t0.addingTimeInterval(601))
            #expect(later.failures == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func parallelReservationsAllCount(_ kind: TestDatabase) async throws {
        try await TestControlPlane.with(kind) { cp in
            let db = cp.app.db
            let key = ThrottleKey.device(UUID())
            let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<40 {
                    group.addTask {
                        try await AttemptThrottle(database: db).reserve(key, limit: limit).failures
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            // Each reservation saw its own count: no two attempts shared a slot.
            #expect(counts.sorted() == Array(1...40))
        }
    }
}

import Foundation

/// Slows and then refuses repeated failed logins, per (company, login) and per source address.
///
/// After `slowAfter` failures each further attempt waits `delayPerFailure` × the excess
/// (capped); after `lockAfter` failures the key is refused for `lockDuration`. Failures older
/// than `window` are forgotten. Kept in memory: a restart forgives, which is acceptable for a
/// throttle (the lockout of device passwords, which matters more, lives in the database).
public actor LoginThrottle {
    /// The limits; the defaults suit a helpdesk (a person mistyping a few times is not slowed).
    public struct Policy: Sendable {
        public var slowAfter: Int
        public var delayPerFailure: Duration
        public var maxDelay: Duration
        public var accountLockAfter: Int
        public var addressLockAfter: Int
        public var lockDuration: Duration
        public var window: Duration

        public init(
            slowAfter: Int = 3, delayPerFailure: Duration = .milliseconds(500),
            maxDelay: Duration = .seconds(3), accountLockAfter: Int = 8,
            addressLockAfter: Int = 30, lockDuration: Duration = .seconds(900),
            window: Duration = .seconds(900)
        ) {
            self.slowAfter = slowAfter
            self.delayPerFailure = delayPerFailure
            self.maxDelay = maxDelay
            self.accountLockAfter = accountLockAfter
            self.addressLockAfter = addressLockAfter
            self.lockDuration = lockDuration
            self.window = window
        }
    }

    /// What to do with a login attempt before checking its password.
    public enum Verdict: Sendable, Equatable {
        /// Go ahead, after waiting this long.
        case proceed(after: Duration)
        /// Refuse without checking; try again after this many seconds.
        case refuse(retryAfterSeconds: Int)
    }

    private struct Record {
        var failures: [ContinuousClock.Instant] = []
        var lockedUntil: ContinuousClock.Instant?
        /// Empty records are dropped so that the tables only hold keys under suspicion.
        var isEmpty: Bool { failures.isEmpty && lockedUntil == nil }
    }

    public let policy: Policy
    private let clock = ContinuousClock()
    private var accounts: [String: Record] = [:]
    private var addresses: [String: Record] = [:]

    public init(policy: Policy = Policy()) {
        self.policy = policy
    }

    /// Decides on an attempt for `account` (company + login) from `address`.
    public func check(account: String, address: String) -> Verdict {
        let now = clock.now
        let accountRecord = pruned(accounts[account], now: now)
        let addressRecord = pruned(addresses[address], now: now)
        accounts[account] = accountRecord.isEmpty ? nil : accountRecord
        addresses[address] = addressRecord.isEmpty ? nil : addressRecord
        let locks = [accountRecord.lockedUntil, addressRecord.lockedUntil].compactMap { $0 }
        if let until = locks.max(), until > now {
            let seconds = (until - now).components.seconds + 1
            return .refuse(retryAfterSeconds: Int(seconds))
        }
        let excess = max(accountRecord.failures.count, addressRecord.failures.count / 4)
            - policy.slowAfter + 1
        guard excess > 0 else { return .proceed(after: .zero) }
        return .proceed(after: min(policy.delayPerFailure * excess, policy.maxDelay))
    }

    /// Records a failed attempt; may lock the account or the address.
    public func recordFailure(account: String, address: String) {
        let now = clock.now
        var accountRecord = pruned(accounts[account], now: now)
        accountRecord.failures.append(now)
        if accountRecord.failures.count >= policy.accountLockAfter {
            accountRecord.lockedUntil = now + policy.lockDuration
            accountRecord.failures.removeAll()
        }
        accounts[account] = accountRecord
        var addressRecord = pruned(addresses[address], now: now)
        addressRecord.failures.append(now)
        if addressRecord.failures.count >= policy.addressLockAfter {
            addressRecord.lockedUntil = now + policy.lockDuration
            addressRecord.failures.removeAll()
        }
        addresses[address] = addressRecord
    }

    /// A successful login clears the account's failures (not the address's: one good
    /// password must not launder guesses at other accounts).
    public func recordSuccess(account: String) {
        accounts[account] = nil
    }

    private func pruned(_ record: Record?, now: ContinuousClock.Instant) -> Record {
        var record = record ?? Record()
        record.failures.removeAll { now - $0 > policy.window }
        if let until = record.lockedUntil, until <= now { record.lockedUntil = nil }
        return record
    }
}

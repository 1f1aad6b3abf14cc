/// The limits on operator logins and the decision they make for one attempt.
///
/// Three keys count failures: the account (company + login), the client address, and the
/// account from that address. An account over its limit is locked for everyone. An address
/// over its limit (someone there guessed at many accounts) is not locked for accounts it has
/// not failed at: one person's guessing behind a shared address never locks a colleague's
/// correct password, while the guesser gets no second try at any account.
public struct LoginPolicy: Sendable, Equatable {
    /// Failures before an attempt is slowed.
    public var slowAfter: Int
    /// Wait added per failure beyond `slowAfter`, in seconds.
    public var delayPerFailure: Double
    /// The longest wait, in seconds (also what a locked address's new attempts wait).
    public var maxDelay: Double
    public var account: AttemptLimit
    public var address: AttemptLimit

    public init(
        slowAfter: Int = 3, delayPerFailure: Double = 0.5, maxDelay: Double = 3,
        account: AttemptLimit = AttemptLimit(failures: 8, lockSeconds: 900),
        address: AttemptLimit = AttemptLimit(failures: 30, lockSeconds: 900)
    ) {
        self.slowAfter = slowAfter
        self.delayPerFailure = delayPerFailure
        self.maxDelay = maxDelay
        self.account = account
        self.address = address
    }

    /// Counted per (account, address); never locks by itself, it only tells whether this
    /// address failed at this account before.
    var pair: AttemptLimit {
        AttemptLimit(failures: .max, lockSeconds: 0, windowSeconds: address.windowSeconds)
    }

    /// What to do with an attempt, given its three reserved slots.
    public enum Decision: Sendable, Equatable {
        /// Check the password, after waiting this many seconds.
        case proceed(delaySeconds: Double)
        /// Refuse unchecked; the caller may try again after this many seconds.
        case refuse(retryAfterSeconds: Int, lockedKey: LockedKey)
    }

    /// Which limit refused an attempt.
    public enum LockedKey: String, Sendable, Equatable {
        case account
        case address
    }

    /// Decides on an attempt whose failures were just reserved (each slot counts it).
    public func decide(
        account: AttemptThrottle.Slot, address: AttemptThrottle.Slot, pair: AttemptThrottle.Slot,
        now: Double
    ) -> Decision {
        if let seconds = account.lockRemaining(at: now) {
            return .refuse(retryAfterSeconds: seconds, lockedKey: .account)
        }
        // More attempts in flight than the limit allows: the ones ahead decide the lock.
        if account.failures > self.account.failures {
            return .refuse(retryAfterSeconds: 5, lockedKey: .account)
        }
        let addressLock = address.lockRemaining(at: now)
        let addressBlocked = addressLock != nil || address.failures > self.address.failures
        if addressBlocked && pair.failures > 1 {
            return .refuse(retryAfterSeconds: addressLock ?? 5, lockedKey: .address)
        }
        if addressBlocked { return .proceed(delaySeconds: maxDelay) }
        let excess = (account.failures - 1) - slowAfter + 1
        guard excess > 0 else { return .proceed(delaySeconds: 0) }
        return .proceed(delaySeconds: min(delayPerFailure * Double(excess), maxDelay))
    }
}

import ControlPlane
import Testing

/// The decision for one login attempt, from its three reserved slots (no database).
@Suite("LoginPolicy")
struct LoginPolicyTests {
    let policy = LoginPolicy(
        slowAfter: 2, delayPerFailure: 0.1, maxDelay: 0.25,
        account: AttemptLimit(failures: 5, lockSeconds: 30),
        address: AttemptLimit(failures: 8, lockSeconds: 30))
    let now = 1_000_000.0

    func slot(_ failures: Int, lockedFor seconds: Double? = nil) -> AttemptThrottle.Slot {
        .init(failures: failures, lockedUntil: seconds.map { now + $0 })
    }

    @Test func slowsAfterAFewFailures() {
        #expect(
            policy.decide(account: slot(1), address: slot(1), pair: slot(1), now: now)
                == .proceed(delaySeconds: 0))
        #expect(
            policy.decide(account: slot(2), address: slot(2), pair: slot(2), now: now)
                == .proceed(delaySeconds: 0))
        #expect(
            policy.decide(account: slot(3), address: slot(3), pair: slot(3), now: now)
                == .proceed(delaySeconds: 0.1))
        #expect(
            policy.decide(account: slot(5), address: slot(5), pair: slot(5), now: now)
                == .proceed(delaySeconds: 0.25))
    }

    @Test func aLockedAccountIsRefusedFromAnyAddress() {
        #expect(
            policy.decide(
                account: slot(6, lockedFor: 29.2), address: slot(1), pair: slot(1), now: now)
                == .refuse(retryAfterSeconds: 30, lockedKey: .account))
    }

    @Test func attemptsInFlightBeyondTheLimitAreRefused() {
        // Parallel attempts: the sixth reservation of a limit of five is refused unchecked.
        #expect(
            policy.decide(account: slot(6), address: slot(6), pair: slot(6), now: now)
                == .refuse(retryAfterSeconds: 5, lockedKey: .account))
    }

    @Test func aLockedAddressKeepsColleaguesCorrectPasswordsOpen() {
        // This address already failed at this account: refused.
        #expect(
            policy.decide(
                account: slot(2), address: slot(9, lockedFor: 10), pair: slot(2), now: now)
                == .refuse(retryAfterSeconds: 10, lockedKey: .address))
        // An account this address never failed at: checked, slowly.
        #expect(
            policy.decide(
                account: slot(1), address: slot(9, lockedFor: 10), pair: slot(1), now: now)
                == .proceed(delaySeconds: 0.25))
        // Over the limit without a lock yet (a burst in flight) counts as locked.
        #expect(
            policy.decide(account: slot(1), address: slot(9), pair: slot(2), now: now)
                == .refuse(retryAfterSeconds: 5, lockedKey: .address))
    }
}

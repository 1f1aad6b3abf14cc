import ControlPlane
import Testing

@Suite("LoginThrottle")
struct LoginThrottleTests {
    let policy = LoginThrottle.Policy(
        slowAfter: 2, delayPerFailure: .milliseconds(100), maxDelay: .milliseconds(250),
        accountLockAfter: 5, addressLockAfter: 8, lockDuration: .seconds(30), window: .seconds(60))

    @Test func slowsThenRefusesAnAccount() async {
        let throttle = LoginThrottle(policy: policy)
        #expect(await throttle.check(account: "A|x", address: "1") == .proceed(after: .zero))
        await throttle.recordFailure(account: "A|x", address: "1")
        #expect(await throttle.check(account: "A|x", address: "1") == .proceed(after: .zero))
        await throttle.recordFailure(account: "A|x", address: "1")
        #expect(await throttle.check(account: "A|x", address: "1") == .proceed(after: .milliseconds(100)))
        await throttle.recordFailure(account: "A|x", address: "1")
        #expect(await throttle.check(account: "A|x", address: "1") == .proceed(after: .milliseconds(200)))
        await throttle.recordFailure(account: "A|x", address: "1")
        #expect(await throttle.check(account: "A|x", address: "1") == .proceed(after: .milliseconds(250)))
        await throttle.recordFailure(account: "A|x", address: "1")
        guard case .refuse(let seconds) = await throttle.check(account: "A|x", address: "2") else {
            Issue.record("the account must be locked whatever the address")
            return
        }
        #expect((29...31).contains(seconds))
        #expect(await throttle.check(account: "A|y", address: "3") == .proceed(after: .zero))
    }

    @Test func refusesAnAddressThatSpraysManyAccounts() async {
        let throttle = LoginThrottle(policy: policy)
        for i in 0..<8 {
            await throttle.recordFailure(account: "A|user\(i)", address: "10.0.0.9")
        }
        guard case .refuse = await throttle.check(account: "A|fresh", address: "10.0.0.9") else {
            Issue.record("an address with many failures must be refused")
            return
        }
        #expect(await throttle.check(account: "A|fresh", address: "10.0.0.10") == .proceed(after: .zero))
    }

    @Test func successClearsTheAccount() async {
        let throttle = LoginThrottle(policy: policy)
        for _ in 0..<4 { await throttle.recordFailure(account: "A|x", address: "1") }
        await throttle.recordSuccess(account: "A|x")
        #expect(await throttle.check(account: "A|x", address: "2") == .proceed(after: .zero))
    }

    @Test func lockExpires() async throws {
        let short = LoginThrottle.Policy(
            slowAfter: 10, delayPerFailure: .zero, maxDelay: .zero, accountLockAfter: 1,
            addressLockAfter: 100, lockDuration: .milliseconds(200), window: .seconds(60))
        let throttle = LoginThrottle(policy: short)
        await throttle.recordFailure(account: "A|x", address: "1")
        guard case .refuse = await throttle.check(account: "A|x", address: "1") else {
            Issue.record("must be locked")
            return
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(await throttle.check(account: "A|x", address: "1") == .proceed(after: .zero))
    }
}

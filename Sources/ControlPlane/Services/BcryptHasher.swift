import NIOPosix
import Vapor

/// Slow password hashing (bcrypt) off the event loops.
///
/// bcrypt at cost 10 takes tens of milliseconds of CPU, which would stall every connection
/// of an event loop, so it runs on the application's thread pool.
public struct BcryptHasher: Sendable {
    /// bcrypt cost; each step doubles the work. 10 is the floor for stored secrets.
    public let cost: Int
    private let threadPool: NIOThreadPool
    /// A hash of a random string at the same cost, verified against when the login does not
    /// exist so that a miss costs the same time as a hit.
    private let decoyHash: String

    public init(cost: Int, threadPool: NIOThreadPool) throws {
        precondition(cost >= 10, "bcrypt cost below 10 is too weak for stored passwords")
        self.cost = cost
        self.threadPool = threadPool
        self.decoyHash = try Bcrypt.hash([UInt8].random(count: 16).base64String(), cost: cost)
    }

    /// Hashes `password`; refuses empty ones.
    public func hash(_ password: String) async throws -> String {
        guard !password.isEmpty else {
            throw APIError.invalidField("password", "must not be empty")
        }
        let cost = self.cost
        return try await threadPool.runIfActive { try Bcrypt.hash(password, cost: cost) }
    }

    /// Checks `password` against `hash`; with a nil hash it still spends the same time and
    /// answers false, so callers need not branch on whether the account exists.
    public func verify(_ password: String, against hash: String?) async -> Bool {
        let target = hash ?? decoyHash
        let matched =
            (try? await threadPool.runIfActive { try Bcrypt.verify(password, created: target) })
            ?? false
        return hash != nil && matched
    }
}

import NIOPosix
import Vapor

/// Slow password hashing (bcrypt) off the event loops.
///
/// bcrypt at cost 10 takes tens of milliseconds of CPU, which would stall every connection
/// of an event loop, so it runs on the application's thread pool, at most `permits` at once
/// (see `BcryptGate`).
public struct BcryptHasher: Sendable {
    /// bcrypt cost; each step doubles the work. 10 is the floor for stored secrets.
    public let cost: Int
    private let threadPool: NIOThreadPool
    /// A hash of a random string at the same cost, verified against when the login does not
    /// exist so that a miss costs the same time as a hit.
    private let decoyHash: String
    private let gate: BcryptGate

    /// - Parameters:
    ///   - permits: hashes at once; default one fewer than the cores (at least one), so that the
    ///     thread pool the database shares always has a thread left.
    ///   - maxWaiting: checks that may queue for a permit; more are refused as `server_busy`.
    public init(cost: Int, threadPool: NIOThreadPool, permits: Int? = nil, maxWaiting: Int = 256)
        throws
    {
        precondition(cost >= 10, "bcrypt cost below 10 is too weak for stored passwords")
        self.cost = cost
        self.threadPool = threadPool
        self.gate = BcryptGate(
            permits: permits ?? max(1, System.coreCount - 1), maxWaiting: maxWaiting)
        self.decoyHash = try Bcrypt.hash([UInt8].random(count: 16).base64String(), cost: cost)
    }

    /// Hashes `password`; refuses empty ones.
    public func hash(_ password: String) async throws -> String {
        guard !password.isEmpty else {
            throw APIError.invalidField("password", "must not be empty")
        }
        let (cost, threadPool) = (self.cost, self.threadPool)
        return try await gate.run {
            try await threadPool.runIfActive { try Bcrypt.hash(password, cost: cost) }
        }
    }

    /// How many hashes and verifications this hasher has run.
    public var operations: Int {
        get async { await gate.completed }
    }

    /// Checks `password` against `hash`; with a nil hash it still spends the same time and
    /// answers false, so callers need not branch on whether the account exists.
    /// - Throws: `server_busy` when too many checks are already waiting.
    public func verify(_ password: String, against hash: String?) async throws -> Bool {
        let target = hash ?? decoyHash
        let threadPool = self.threadPool
        let matched = try await gate.run {
            (try? await threadPool.runIfActive { try Bcrypt.verify(password, created: target) })
                ?? false
        }
        return hash != nil && matched
    }
}

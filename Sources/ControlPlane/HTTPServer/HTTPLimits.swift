import NIOCore

/// The limits `TsunaguHTTPServer` holds every connection to before a request reaches Vapor.
///
/// They exist because a client that never finishes its request head costs a socket and a
/// slot in every table for as long as it likes (slow-loris); Vapor's own server has no hook
/// to bound that. After a WebSocket upgrade none of them apply: the relay and the agent
/// endpoint have their own ticket and hello timeouts.
public struct HTTPLimits: Sendable, Equatable {
    /// Time allowed for a request head, counted from accept for the first request and from
    /// the first byte of each later one. Past it the connection is answered 408 and closed.
    public var requestHeadTimeout: TimeAmount
    /// Time a keep-alive connection may sit between requests with nothing in flight.
    public var idleTimeout: TimeAmount
    /// Largest request line (method, target, version), in bytes; beyond it, 414.
    public var maxRequestLineBytes: Int
    /// Largest sum of all header lines, in bytes; beyond it, 431.
    public var maxHeaderBytes: Int
    /// Connections from one address that may be open without a complete first request head;
    /// one more is closed at accept.
    public var maxConnectionsInHeadPerAddress: Int
    /// Largest request body, in bytes, where `largerBodies` names no other; beyond it, 413.
    public var maxBodyBytes: Int
    /// Paths (exact, without the query) that accept a larger body than `maxBodyBytes`, the
    /// same figure their route's `body: .collect(maxSize:)` gives.
    public var largerBodies: [String: Int]

    /// Safe defaults: a 10 s head, 60 s idle keep-alive, 8 KiB request line, 32 KiB of
    /// headers, 64 connections in their first head per address, 64 KiB bodies.
    public init(
        requestHeadTimeout: TimeAmount = .seconds(10), idleTimeout: TimeAmount = .seconds(60),
        maxRequestLineBytes: Int = 8 * 1024, maxHeaderBytes: Int = 32 * 1024,
        maxConnectionsInHeadPerAddress: Int = 64, maxBodyBytes: Int = 64 * 1024,
        largerBodies: [String: Int] = [:]
    ) {
        self.requestHeadTimeout = requestHeadTimeout
        self.idleTimeout = idleTimeout
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxConnectionsInHeadPerAddress = maxConnectionsInHeadPerAddress
        self.maxBodyBytes = maxBodyBytes
        self.largerBodies = largerBodies
    }

    /// The body limit for a request target (`/path?query`).
    func maxBodyBytes(forTarget target: String) -> Int {
        let path =
            target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
            .first.map(String.init) ?? target
        return largerBodies[path] ?? maxBodyBytes
    }
}

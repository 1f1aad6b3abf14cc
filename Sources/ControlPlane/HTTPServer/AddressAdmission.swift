import NIOConcurrencyHelpers
import NIOCore

/// Counts, per remote address, the connections that have not yet sent a complete first
/// request head, and refuses one beyond the limit.
///
/// Shared by every event loop's connections, hence the lock. Only connections still in their
/// first head count: a browser's dozen keep-alive connections cost nothing once they have
/// spoken, while one host opening thousands of silent sockets is cut off at accept.
final class AddressAdmission: Sendable {
    private let limit: Int
    private let counts = NIOLockedValueBox<[String: Int]>([:])

    init(limit: Int) {
        self.limit = limit
    }

    /// The key an address counts under: its IP, or the whole description (Unix sockets).
    static func key(for address: SocketAddress?) -> String {
        address?.ipAddress ?? address.map { "\($0)" } ?? "unknown"
    }

    /// Takes a slot for `key`; false when the address already holds `limit` of them.
    func admit(_ key: String) -> Bool {
        counts.withLockedValue { counts in
            let current = counts[key, default: 0]
            guard current < limit else { return false }
            counts[key] = current + 1
            return true
        }
    }

    /// Gives back a slot `admit` granted.
    func release(_ key: String) {
        counts.withLockedValue { counts in
            guard let current = counts[key] else { return }
            counts[key] = current > 1 ? current - 1 : nil
        }
    }

    /// Connections of `key` now in their first head (for tests and metrics).
    func count(_ key: String) -> Int {
        counts.withLockedValue { $0[key, default: 0] }
    }
}

import NIOCore

/// The agent's open relay connections by (session, channel connection), so the server can
/// end a session's channels and a second channel never replaces the first; and the sessions
/// the customer already accepted, whose further channels need no new consent.
actor ChannelRegistry {
    private var open: [String: [String: any Channel]] = [:]
    private var accepted: Set<String> = []

    /// The customer accepted `session` (or it needed no consent).
    func accept(_ session: String) { accepted.insert(session) }

    func isAccepted(_ session: String) -> Bool { accepted.contains(session) }

    func add(_ connection: any Channel, session: String, channelID: String) {
        open[session, default: [:]][channelID] = connection
    }

    /// The connection closed. A session without open connections stays accepted: its
    /// operator may add a channel again while the server keeps it alive.
    func remove(session: String, channelID: String) {
        open[session]?[channelID] = nil
        if open[session]?.isEmpty == true { open[session] = nil }
    }

    /// The server ended the session: close its connections and forget the consent.
    func end(_ session: String) {
        accepted.remove(session)
        for connection in open.removeValue(forKey: session)?.values ?? [:].values {
            connection.close(promise: nil)
        }
    }

    /// The agent is stopping: close everything.
    func endAll() {
        for session in Array(open.keys) { end(session) }
        accepted.removeAll()
    }

    /// The sessions with open connections.
    var openSessions: [String] { Array(open.keys) }

    /// Open connections now, for tests and the stop log.
    var count: Int { open.values.reduce(0) { $0 + $1.count } }

    func count(of session: String) -> Int { open[session]?.count ?? 0 }
}

/// Why the agent's control connection stopped for good (as opposed to a network hiccup,
/// after which it reconnects by itself).
public enum AgentControlError: Error, CustomStringConvertible, Equatable {
    /// The server's key differs from the pinned one: possibly not our server.
    case serverKeyMismatch(expected: String, got: String)
    /// The server turned the device away (unknown device, bad token, key mismatch…).
    case refused(code: String, message: String)
    /// The server's answer did not follow the protocol.
    case protocolViolation(String)
    /// The state directory is damaged.
    case corruptState(String)
    /// The URL or options cannot work (plain ws:// off loopback).
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .serverKeyMismatch(let expected, let got):
            "the server's key does not match the pinned key (expected fingerprint \(expected), got \(got)); refusing to connect. If the server's key really changed, remove server-key.pub from the state directory or pass the new --server-key. / サーバ鍵が一致しないため接続しません。"
        case .refused(let code, let message):
            "the server refused this device (\(code)): \(message)"
        case .protocolViolation(let what):
            "protocol error from the server: \(what)"
        case .corruptState(let what):
            "state directory problem: \(what)"
        case .invalidConfiguration(let what):
            what
        }
    }

    /// Refusals a retry cannot fix; others (e.g. a server restarting) are retried.
    var isPermanent: Bool {
        switch self {
        case .refused(let code, _):
            !["internal_error", "closed"].contains(code)
        default:
            true
        }
    }
}

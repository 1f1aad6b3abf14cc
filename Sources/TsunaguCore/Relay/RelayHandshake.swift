/// The first words on a relay connection, before payload bytes flow.
///
/// WebSocket (`GET /relay/v1`): the peer's first message is a text frame holding the ticket;
/// the relay answers text frames `{"status":"waiting"}` (peer not there yet) and then
/// `{"status":"paired"}`, after which binary frames carry the payload both ways; or
/// `{"error":{"code":"…","message":"…"}}` and a close.
///
/// Raw TCP (+TLS): the peer sends `TSUNAGU-RELAY/1 TICKET\n`; the relay answers lines
/// `WAITING`, then `PAIRED`, after which raw bytes flow; or `ERROR CODE MESSAGE` and a close.
public enum RelayHandshake {
    /// The TCP greeting line's prefix.
    public static let tcpPrefix = "TSUNAGU-RELAY/1 "
    /// Longest accepted greeting line (a ticket is about 400 bytes).
    public static let maxGreetingBytes = 4096

    public static let waitingJSON = #"{"status":"waiting"}"#
    public static let pairedJSON = #"{"status":"paired"}"#

    /// The JSON error frame for a refusal.
    public static func errorJSON(code: String, message: String) -> String {
        let escaped = message.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\"")
        return #"{"error":{"code":""# + code + #"","message":""# + escaped + #""}}"#
    }
}

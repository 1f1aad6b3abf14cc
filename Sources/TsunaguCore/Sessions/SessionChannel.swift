/// What one relay connection of a session carries. A session is one authorisation (the
/// connection password and the customer's consent, once) that holds channels; each channel
/// is its own relay connection with its own ticket, so a big file copy never stalls the screen.
public enum SessionChannel: String, Codable, Sendable, CaseIterable, Hashable {
    /// The screen, as an RFB 3.8 stream.
    case desktop
    /// File transfer: browse, download and upload inside the agent's allowed roots.
    case files
    /// A shell in a pseudo-terminal, as the user the agent runs as.
    case terminal
    /// Text chat between the operator and the customer.
    case chat

}

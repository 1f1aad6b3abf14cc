import TsunaguCore

extension SessionEndReason {
    /// The reason when the end with `role` closed first.
    static func closed(by role: SessionTicketRole) -> SessionEndReason {
        role == .operator ? .operatorClosed : .agentClosed
    }
}

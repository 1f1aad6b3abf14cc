#if os(Linux)
    import Logging
    import NIOCore
    import RelayClient
    import Terminal
    import TsunaguCore

    /// The `terminal` channel: a process on a pseudo-terminal for each paired relay connection
    /// (Terminal's PROTOCOL.md). The terminals outlive their connections for a grace period,
    /// so they belong to the agent (``TerminalSessions``), not to one session's connection.
    struct TerminalChannelService: SessionChannelService {
        let sessions: TerminalSessions
        let logger: Logger

        var channel: SessionChannel { .terminal }

        func refusal(for offer: ControlMessage.Offer) async -> SessionEndReason? {
            sessions.isEnabled ? nil : .channelDisabled
        }

        func serve(over connection: any Channel, offer: ControlMessage.Offer) async throws {
            // What the agent knows for sure wins over what the client asks for: a shell's
            // history and audit hooks can tell who typed.
            let environment = [
                "TSUNAGU_OPERATOR": offer.operatorLogin, "TSUNAGU_SESSION": offer.session,
                "TSUNAGU_COMPANY": offer.company,
            ]
            let (sessions, logger) = (sessions, logger)
            try await connection.eventLoop.submit {
                try connection.pipeline.syncOperations.addHandler(
                    TerminalServerHandler(
                        sessions: sessions, environment: environment, logger: logger))
            }.get()
            try await RelayDialer.startForwarding(connection).get()
            try await connection.closeFuture.get()
        }
    }
#endif

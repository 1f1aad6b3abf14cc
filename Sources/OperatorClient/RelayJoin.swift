import NIOCore
import RelayClient
import TsunaguCore

/// Joins the relay for a channel ticket while watching its session, so that a refusal (the
/// customer declined, the channel is turned off on the device, the agent could not serve it)
/// is known at once instead of after the relay's wait for a peer that never comes.
public enum RelayJoin {
    /// How joining turned out.
    public enum Outcome: Sendable {
        /// Both ends met: the relay connection, holding the peer's bytes until
        /// `RelayDialer.startForwarding`.
        case paired(any Channel)
        /// The session (or this channel of it) ended first, for this reason.
        case ended(reason: SessionEndReason)
        /// The relay could not be joined, and the session is not over.
        case failed(String)
    }

    /// Dials `created`'s relay with its ticket on `group`, polling the session every
    /// `pollInterval`; nil when cancelled.
    public static func join(
        _ created: CreatedSession, api: TsunaguAPI, group: any EventLoopGroup,
        timeout: Duration = .seconds(45), pollInterval: Duration = .seconds(1)
    ) async -> Outcome? {
        let (outcomes, sink) = AsyncStream.makeStream(of: Outcome.self)
        let dial = Task {
            try await RelayDialer.dial(
                created.relayUrl, ticket: created.ticket, group: group, timeout: timeout)
        }
        let forward = Task {
            do {
                sink.yield(.paired(try await dial.value))
            } catch {
                // The relay drops a waiting end whose session was refused: say why, if so.
                if let state = try? await api.session(created.sessionId), state.status == "ended" {
                    sink.yield(.ended(reason: state.endReason ?? .unknown))
                } else {
                    sink.yield(.failed(String(describing: error)))
                }
            }
        }
        let watch = Task {
            if let reason = await waitForEnd(of: created, api: api, every: pollInterval) {
                sink.yield(.ended(reason: reason))
            }
        }
        var outcome: Outcome?
        for await first in outcomes {
            outcome = first
            break
        }
        watch.cancel()
        sink.finish()
        _ = forward
        if case .paired = outcome {
        } else {
            // The dial may still succeed later: whatever it brings is closed.
            Task { (try? await dial.value)?.close(promise: nil) }
        }
        return outcome
    }

    /// Polls the session until it, or the ticket's channel, ended (returns the reason) or the
    /// channel is under way (returns nil).
    private static func waitForEnd(
        of created: CreatedSession, api: TsunaguAPI, every interval: Duration
    ) async -> SessionEndReason? {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return nil
            }
            guard let state = try? await api.session(created.sessionId) else { continue }
            if state.status == "ended" { return state.endReason ?? .unknown }
            if let id = created.channelId,
                let channel = state.channels?.first(where: { $0.channelId == id })
            {
                if channel.status == "ended" { return channel.endReason ?? .unknown }
                if channel.status == "active" { return nil }
            } else if state.status == "active" {
                return nil
            }
        }
        return nil
    }
}

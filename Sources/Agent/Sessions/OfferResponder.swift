import Foundation
import Logging
import NIOCore
import RFB
import RelayClient
import TsunaguCore

/// Answers the server's session offers: asks the customer in attended mode, dials the relay
/// with the agent's ticket, and serves the desktop channel over it.
final class OfferResponder: SessionOfferHandler {
    private let runtime: AgentRuntime
    private let consent: ConsentPrompt
    private let attended: Bool
    private let group: any EventLoopGroup
    private let logger: Logger
    private let channels = ChannelRegistry()

    init(runtime: AgentRuntime, consent: ConsentPrompt, attended: Bool, group: any EventLoopGroup, logger: Logger) {
        self.runtime = runtime
        self.consent = consent
        self.attended = attended
        self.group = group
        self.logger = logger
    }

    func handle(_ offer: ControlMessage.Offer) async -> ControlMessage.OfferAnswer {
        guard offer.channel == "desktop" else {
            return .init(session: offer.session, accepted: false, reason: "unsupported_channel")
        }
        if attended || offer.attended {
            switch await consent.ask(operatorLogin: offer.operatorLogin, company: offer.company, session: offer.session) {
            case .accepted: logger.notice("the customer accepted session \(offer.session)")
            case .declined: return .init(session: offer.session, accepted: false, reason: "declined")
            case .noAnswer: return .init(session: offer.session, accepted: false, reason: "no_answer")
            }
        }
        let (runtime, channels, logger, group) = (runtime, channels, logger, group)
        Task {
            do {
                let channel = try await RelayDialer.dial(offer.relayURL, ticket: offer.ticket, group: group)
                await channels.add(channel, for: offer.session)
                logger.notice("session \(offer.session) paired at the relay; serving the desktop")
                try await runtime.serveRFB(over: channel)
                try await RelayDialer.startForwarding(channel).get()
                try? await channel.closeFuture.get()
                await channels.remove(offer.session)
                logger.notice("session \(offer.session) closed")
            } catch {
                logger.warning("session \(offer.session) could not join the relay: \(error)")
            }
        }
        return .init(session: offer.session, accepted: true)
    }

    func end(session: String) async {
        await channels.close(session)
    }
}

/// Open relay channels by session, so the server can end them.
private actor ChannelRegistry {
    private var channels: [String: any Channel] = [:]

    func add(_ channel: any Channel, for session: String) { channels[session] = channel }

    func remove(_ session: String) { channels[session] = nil }

    func close(_ session: String) {
        channels.removeValue(forKey: session)?.close(promise: nil)
    }
}

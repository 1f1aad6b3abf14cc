import Foundation
import Logging
import NIOCore
import RelayClient
import TsunaguCore

/// Answers the server's offers of session channels: checks the channel is served here and
/// can be, asks the customer for a session's first channel in attended mode, dials the relay
/// with the agent's ticket and hands the connection to the channel's service.
final class OfferResponder: SessionOfferHandler {
    private let services: [SessionChannel: any SessionChannelService]
    private let consent: ConsentPrompt
    private let attended: Bool
    private let group: any EventLoopGroup
    private let logger: Logger
    /// The open connections, by session and channel connection.
    let registry = ChannelRegistry()
    let fileTransfers: FileTransferOutbox?

    init(
        services: [any SessionChannelService], consent: ConsentPrompt, attended: Bool,
        group: any EventLoopGroup, logger: Logger, fileTransfers: FileTransferOutbox? = nil
    ) {
        self.fileTransfers = fileTransfers
        self.services = Dictionary(services.map { ($0.channel, $0) }) { first, _ in first }
        self.consent = consent
        self.attended = attended
        self.group = group
        self.logger = logger
    }

    func handle(_ offer: ControlMessage.Offer) async -> ControlMessage.OfferAnswer {
        let refuse = { (reason: SessionEndReason) in
            ControlMessage.OfferAnswer(
                session: offer.session, channelID: offer.channelID, accepted: false,
                reason: reason)
        }
        guard let service = services[offer.channel] else {
            return refuse(
                SessionChannel.allCases.contains(offer.channel) && offer.channel != .chat
                    ? .channelDisabled : .unsupportedChannel)
        }
        if let reason = await service.refusal(for: offer) { return refuse(reason) }
        if attended || offer.attended, await !registry.isAccepted(offer.session) {
            switch await consent.ask(
                operatorLogin: offer.operatorLogin, company: offer.company, session: offer.session)
            {
            case .accepted: logger.notice("the customer accepted session \(offer.session)")
            case .declined: return refuse(.declined)
            case .noAnswer: return refuse(.noAnswer)
            }
        }
        await registry.accept(offer.session)
        let (registry, logger, group) = (registry, logger, group)
        Task {
            let channelID = offer.channelID ?? offer.channel.rawValue
            let label = "session \(offer.session) \(offer.channel.rawValue)"
            let connection: any Channel
            do {
                connection = try await RelayDialer.dial(
                    offer.relayURL, ticket: offer.ticket, group: group)
            } catch {
                logger.warning("\(label) could not join the relay: \(error)")
                return
            }
            await registry.add(connection, session: offer.session, channelID: channelID)
            logger.notice("\(label) paired at the relay")
            do {
                try await service.serve(over: connection, offer: offer)
            } catch {
                logger.warning("\(label) failed: \(error)")
            }
            // Whatever happened, the relay connection is closed and forgotten.
            try? await connection.close()
            await registry.remove(session: offer.session, channelID: channelID)
            logger.notice("\(label) closed")
        }
        return .init(session: offer.session, channelID: offer.channelID, accepted: true)
    }

    func end(session: String) async {
        await registry.end(session)
    }
}

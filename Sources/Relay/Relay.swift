import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TsunaguCore

/// A relay: admits connections that present a ticket signed by the control plane, pairs the
/// operator's and the agent's end of each session channel, and copies bytes between them with
/// backpressure, never parsing them.
///
/// One `Relay` owns the pairing table, the ticket verifier and the counters. Peers reach it
/// through its listeners (`listenWebSocket`, `listenTCP`) or, inside the control plane's own
/// HTTP server, through ``webSocketUpgrader()``. Every channel that ends (paired or
/// not) comes out of ``events``.
public final class Relay: Sendable {
    typealias Table = PairingTable<RelayPeerLink, RelayPair>

    /// The configuration it was made with.
    public let configuration: RelayConfiguration
    /// One record per ended channel, in the order they ended. It buffers without bound until
    /// read, so whoever embeds the relay should keep reading it.
    public let events: AsyncStream<RelaySessionEnd>

    let group: any EventLoopGroup
    /// Connections per address that have not yet presented a valid ticket.
    let addressGate: RelayAddressGate
    private let eventSink: AsyncStream<RelaySessionEnd>.Continuation
    private let verifier: TicketVerifier
    private let table: NIOLockedValueBox<Table>
    private let books = NIOLockedValueBox(Books())

    /// What outlives the table's entries.
    private struct Books {
        var endedBytesFromOperator: Int64 = 0
        var endedBytesFromAgent: Int64 = 0
        var admittedEnds = 0
        var shuttingDown = false
        var listeners: [Channel] = []
    }

    /// Makes a relay; it accepts nothing until a listener or the embedding server feeds it.
    /// - Parameters:
    ///   - configuration: the server key, relay id and limits.
    ///   - group: the event loops its own listeners use.
    public init(
        configuration: RelayConfiguration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async {
        self.configuration = configuration
        self.group = group
        self.addressGate = RelayAddressGate(limit: configuration.maxUnauthenticatedPerAddress)
        self.verifier = await TicketVerifier(
            serverKey: configuration.serverKey, relayID: configuration.relayID)
        self.table = NIOLockedValueBox(Table(capacity: configuration.maxSessions))
        (events, eventSink) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    /// Counts and bytes now.
    public var stats: RelayStats {
        let (waiting, pairs) = table.withLockedValue { table in
            (
                table.waitingCount,
                table.slots.values.compactMap { slot -> RelayPair? in
                    if case .paired(let pair, _, _) = slot { return pair }
                    return nil
                }
            )
        }
        var stats = books.withLockedValue { books in
            RelayStats(
                sessions: pairs.count, waiting: waiting,
                bytesFromOperator: books.endedBytesFromOperator,
                bytesFromAgent: books.endedBytesFromAgent)
        }
        for pair in pairs {
            let bytes = pair.bytes
            stats.bytesFromOperator += bytes.fromOperator
            stats.bytesFromAgent += bytes.fromAgent
        }
        stats.cpuSeconds = RelayStats.processCPUSeconds()
        return stats
    }

    /// Sessions with at least one paired channel now, for the control plane's reports.
    public var activeSessions: [String] {
        table.withLockedValue { table in
            Array(
                Set(
                    table.slots.compactMap { key, slot -> String? in
                        if case .paired = slot { return key.session }
                        return nil
                    }))
        }
    }

    /// What each paired channel has carried so far, for the control plane's reports: a
    /// session whose server dies keeps what flowed.
    public var activeSessionProgress: [RelaySessionProgress] {
        let pairs: [(PairingTable<RelayPeerLink, RelayPair>.Key, RelayPair)] =
            table.withLockedValue { table in
                table.slots.compactMap { key, slot in
                    if case .paired(let pair, _, _) = slot { return (key, pair) }
                    return nil
                }
            }
        return pairs.map { key, pair in
            let bytes = pair.bytes
            return RelaySessionProgress(
                session: key.session, channelID: key.connection,
                bytesFromOperator: bytes.fromOperator, bytesFromAgent: bytes.fromAgent)
        }
    }

    /// Bytes the relay holds for one session channel now: queued for either end's socket,
    /// on their way between event loops, or received before pairing. Backpressure keeps it
    /// bounded however fast one end writes and however slowly the other reads.
    public func bufferedBytes(session: String, channel: SessionChannel, channelID: String? = nil)
        async -> Int
    {
        let key = Table.Key(
            session: session, connection: channelID ?? channel.rawValue, channel: channel)
        let links: [RelayPeerLink] = table.withLockedValue { table in
            switch table.slots[key] {
            case .waiting(_, let end): [end]
            case .paired(_, let op, let agent): [op, agent]
            case nil: []
            }
        }
        var total = 0
        for link in links {
            let held = link.eventLoop.submit {
                let queued = (try? link.channel.syncOptions?.getOption(.bufferedWritableBytes))
                return (queued ?? 0) + (link.handler.value?.heldBytes ?? 0)
            }
            total += (try? await held.get()) ?? 0
        }
        return total
    }

    /// Ends every channel of `session` now, with reason `ended_by_server`.
    /// - Returns: how many channels were open or waiting.
    @discardableResult
    public func end(session: String) -> Int {
        let slots = table.withLockedValue { $0.remove(session: session) }
        for slot in slots { end(slot, reason: .endedByServer, refusal: .endedByServer) }
        return slots.count
    }

    /// Stops the listeners, ends every channel with reason `relay_shutdown`, waits (at most
    /// the drain timeout and a second) until all have reported, and finishes ``events``.
    public func shutdown() async {
        let listeners = books.withLockedValue { books in
            books.shuttingDown = true
            defer { books.listeners = [] }
            return books.listeners
        }
        for listener in listeners { try? await listener.close() }
        let slots = table.withLockedValue { $0.removeAll() }
        for slot in slots { end(slot, reason: .relayShutdown, refusal: .relayShutdown) }
        let patience = configuration.drainTimeout + .seconds(1)
        let deadline = NIODeadline.now() + patience
        while books.withLockedValue({ $0.admittedEnds }) > 0, NIODeadline.now() < deadline {
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        eventSink.finish()
    }

    // MARK: - Used by the peer handlers

    /// Verifies a ticket (signature, expiry, relay id, single use) on behalf of `loop`.
    func verify(_ text: String, on loop: any EventLoop) -> EventLoopFuture<SessionTicket> {
        let promise = loop.makePromise(of: SessionTicket.self)
        let verifier = self.verifier
        promise.completeWithTask { try await verifier.admit(text) }
        return promise.futureResult
    }

    /// An admitted end arrives: wait, pair or refuse.
    func arrive(_ link: RelayPeerLink) -> Table.Arrival {
        guard !books.withLockedValue({ $0.shuttingDown }) else { return .refuse(.relayShutdown) }
        let arrival = table.withLockedValue { table in
            let arrival = table.arrive(link, role: link.role, key: link.key) { waiting, arriving in
                let (op, agent) =
                    arriving.role == .operator ? (arriving, waiting) : (waiting, arriving)
                return RelayPair(operatorEnd: op, agentEnd: agent)
            }
            if case .paired(let pair, let waiting) = arrival {
                waiting.pair = pair
                link.pair = pair
            }
            return arrival
        }
        switch arrival {
        case .refuse: break
        case .wait: books.withLockedValue { $0.admittedEnds += 1 }
        case .paired(let pair, _):
            books.withLockedValue { $0.admittedEnds += 1 }
            scheduleIdleCheck(pair, in: configuration.idleTimeout(for: link.key.channel))
        }
        return arrival
    }

    /// A waiting end's peer timeout fired: true when it was still waiting (and is removed).
    func expire(_ link: RelayPeerLink) -> Bool {
        table.withLockedValue { table in
            guard link.pair == nil, case .wasWaiting = table.leave(link, key: link.key) else {
                return false
            }
            return true
        }
    }

    /// An admitted end's channel closed.
    func depart(_ link: RelayPeerLink, reason: SessionEndReason) {
        let pair = table.withLockedValue { table -> RelayPair? in
            _ = table.leave(link, key: link.key)
            return link.pair
        }
        books.withLockedValue { $0.admittedEnds -= 1 }
        guard let pair else {
            let record = RelaySessionEnd(
                session: link.key.session, channel: link.key.channel,
                channelID: link.key.connection, pairedAt: nil,
                endedAt: Date(), bytesFromOperator: 0, bytesFromAgent: 0,
                operatorAddress: link.role == .operator ? link.address : nil,
                agentAddress: link.role == .agent ? link.address : nil, reason: reason)
            eventSink.yield(record)
            return
        }
        if pair.claimEnd(reason) {
            pair.partner(of: link.role).perform { $0.partnerClosed() }
        }
        if let record = pair.endClosed() {
            books.withLockedValue {
                $0.endedBytesFromOperator += record.bytesFromOperator
                $0.endedBytesFromAgent += record.bytesFromAgent
            }
            eventSink.yield(record)
        }
    }

    /// Remembers a listener so that shutdown closes it.
    func adopt(listener: Channel) {
        let refused = books.withLockedValue { books -> Bool in
            guard !books.shuttingDown else { return true }
            books.listeners.append(listener)
            return false
        }
        if refused { listener.close(promise: nil) }
    }

    // MARK: - Ending

    private func end(_ slot: Table.Slot, reason: SessionEndReason, refusal: RelayRefusal) {
        switch slot {
        case .waiting(_, let end):
            end.perform { $0.end(reason, refusal: refusal) }
        case .paired(let pair, _, _):
            end(pair, reason: reason)
        }
    }

    private func end(_ pair: RelayPair, reason: SessionEndReason) {
        guard pair.claimEnd(reason) else { return }
        pair.operatorEnd.perform { $0.end(reason, refusal: nil) }
        pair.agentEnd.perform { $0.end(reason, refusal: nil) }
    }

    private func scheduleIdleCheck(_ pair: RelayPair, in delay: TimeAmount) {
        let scheduled = pair.operatorEnd.eventLoop.scheduleTask(in: delay) { [self] in
            guard !pair.hasEnded else { return }
            let idleFor = NIODeadline.now() - pair.lastActivity
            let idleTimeout = configuration.idleTimeout(for: pair.key.channel)
            guard idleFor >= idleTimeout else {
                scheduleIdleCheck(pair, in: idleTimeout - idleFor)
                return
            }
            table.withLockedValue { _ = $0.leave(pair.operatorEnd, key: pair.key) }
            end(pair, reason: .idleTimeout)
        }
        pair.setIdleCheck(scheduled)
    }
}

import Foundation
import NIOConcurrencyHelpers
import NIOCore
import TsunaguCore

/// A paired channel: both ends, the bytes each way, when it last carried any, and why it
/// ended. Shared by the two ends' event loops, hence the lock; each end touches it once per
/// read batch, not per byte.
final class RelayPair: Sendable {
    let operatorEnd: RelayPeerLink
    let agentEnd: RelayPeerLink
    let pairedAt: Date

    private struct State {
        var bytesFromOperator: Int64 = 0
        var bytesFromAgent: Int64 = 0
        var lastActivity: NIODeadline
        var reason: SessionEndReason?
        var closedEnds = 0
        var idleCheck: Scheduled<Void>?
    }

    private let state: NIOLockedValueBox<State>

    init(operatorEnd: RelayPeerLink, agentEnd: RelayPeerLink, now: NIODeadline = .now()) {
        self.operatorEnd = operatorEnd
        self.agentEnd = agentEnd
        self.pairedAt = Date()
        self.state = NIOLockedValueBox(State(lastActivity: now))
    }

    var key: PairingTable<RelayPeerLink, RelayPair>.Key { operatorEnd.key }

    /// The end opposite `role`.
    func partner(of role: SessionTicketRole) -> RelayPeerLink {
        role == .operator ? agentEnd : operatorEnd
    }

    /// Counts `bytes` read from the end with `role` (and thus relayed to the other).
    func record(bytes: Int, from role: SessionTicketRole) {
        let now = NIODeadline.now()
        state.withLockedValue {
            if role == .operator {
                $0.bytesFromOperator += Int64(bytes)
            } else {
                $0.bytesFromAgent += Int64(bytes)
            }
            $0.lastActivity = now
        }
    }

    /// Bytes relayed so far: (from the operator, from the agent).
    var bytes: (fromOperator: Int64, fromAgent: Int64) {
        state.withLockedValue { ($0.bytesFromOperator, $0.bytesFromAgent) }
    }

    var lastActivity: NIODeadline { state.withLockedValue { $0.lastActivity } }

    /// Sets the end reason unless one is set; true when this call set it.
    func claimEnd(_ reason: SessionEndReason) -> Bool {
        state.withLockedValue {
            guard $0.reason == nil else { return false }
            $0.reason = reason
            $0.idleCheck?.cancel()
            $0.idleCheck = nil
            return true
        }
    }

    var hasEnded: Bool { state.withLockedValue { $0.reason != nil } }

    /// Keeps the pending idle check so that ending the pair can cancel it.
    func setIdleCheck(_ scheduled: Scheduled<Void>) {
        let stale: Scheduled<Void>? = state.withLockedValue {
            guard $0.reason == nil else { return scheduled }
            $0.idleCheck = scheduled
            return nil
        }
        stale?.cancel()
    }

    /// One end's channel closed; returns the record once both have.
    func endClosed(endedAt: Date = Date()) -> RelaySessionEnd? {
        let snapshot: State? = state.withLockedValue {
            $0.closedEnds += 1
            return $0.closedEnds == 2 ? $0 : nil
        }
        guard let snapshot else { return nil }
        return RelaySessionEnd(
            session: key.session, channel: key.channel, channelID: key.connection,
            pairedAt: pairedAt, endedAt: endedAt,
            bytesFromOperator: snapshot.bytesFromOperator,
            bytesFromAgent: snapshot.bytesFromAgent,
            operatorAddress: operatorEnd.address, agentAddress: agentEnd.address,
            reason: snapshot.reason ?? .error)
    }
}

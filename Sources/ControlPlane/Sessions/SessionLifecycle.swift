import Foundation
import TsunaguCore

/// Where one session is in its life, and what each event means for it: a pure state machine
/// (no database, no clock of its own) that the broker feeds and obeys. A session ends when
/// the operator or the customer ends it, when the agent refuses its only channel, or when
/// its last channel closes.
enum SessionLifecycle: Equatable, Sendable {
    /// Asked for; no channel has met at the relay yet (the customer may be deciding).
    case offered(since: Date)
    /// At least one channel met at the relay.
    case active
    /// Someone ended it; waiting for the relay's final counts.
    case ending(since: Date)
    /// Over, with a log record.
    case ended(SessionEndReason)

    /// What happened.
    enum Event: Equatable, Sendable {
        /// A channel's two ends met at the relay.
        case channelPaired
        /// A channel closed (or never started, or was refused) and `openChannels` remain.
        case channelEnded(SessionEndReason, openChannels: Int)
        /// The operator or an admin ended the session.
        case endRequested(at: Date)
        /// The relay it runs on stopped reporting.
        case relayLost
        /// The server restarted while it was open on the embedded relay.
        case serverRestarted
        /// Time passed.
        case tick(now: Date)
    }

    /// What the broker must do.
    enum Outcome: Equatable, Sendable {
        /// Nothing to save.
        case unchanged
        /// Save the new state.
        case changed
        /// Close the session with this reason and write its log record, in one transaction.
        case finish(SessionEndReason)
    }

    /// A session not started this long after the request is given up (ticket 30 s + the
    /// relay's 30 s wait for the peer + slack).
    static let startDeadline: TimeInterval = 75
    /// How long an ended session waits for its relay's final report (with the byte counts)
    /// before it is closed without one: two report intervals and slack.
    static let endGrace: TimeInterval = 15

    mutating func handle(_ event: Event) -> Outcome {
        switch (self, event) {
        case (.ended, _):
            return .unchanged
        case (.offered, .channelPaired):
            self = .active
            return .changed
        case (.active, .channelPaired), (.ending, .channelPaired):
            return .unchanged
        case (.ending, .channelEnded(let reason, let open)) where open == 0:
            // The relay closed it because we asked: the operator ended it.
            return finish(reason == .endedByServer ? .endedByOperator : reason)
        case (_, .channelEnded(let reason, let open)):
            return open == 0 ? finish(reason) : .unchanged
        case (.offered, .endRequested(let time)), (.active, .endRequested(let time)):
            self = .ending(since: time)
            return .changed
        case (.ending, .endRequested):
            return .unchanged
        case (_, .relayLost):
            return finish(.relayLost)
        case (_, .serverRestarted):
            return finish(.serverRestart)
        case (.ending(let since), .tick(let now)):
            return now.timeIntervalSince(since) > Self.endGrace
                ? finish(.endedByOperator) : .unchanged
        case (.offered(let since), .tick(let now)):
            return now.timeIntervalSince(since) > Self.startDeadline
                ? finish(.notStarted) : .unchanged
        case (.active, .tick):
            return .unchanged
        }
    }

    private mutating func finish(_ reason: SessionEndReason) -> Outcome {
        self = .ended(reason)
        return .finish(reason)
    }
}

extension SessionLifecycle {
    /// The state a stored session is in.
    init(_ session: RemoteSession) {
        switch session.status {
        case .ended: self = .ended(session.endReason ?? .unknown)
        case _ where session.endRequested:
            self = .ending(since: session.endRequestedAt ?? session.requestedAt)
        case .active: self = .active
        case .offered: self = .offered(since: session.requestedAt)
        }
    }
}

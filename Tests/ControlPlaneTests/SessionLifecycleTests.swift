import Foundation
import Testing
import TsunaguCore

@testable import ControlPlane

/// The session state machine without a database.
@Suite struct SessionLifecycleTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aSessionEndsWithItsLastChannel() {
        var life = SessionLifecycle.offered(since: start)
        #expect(life.handle(.channelPaired) == .changed)
        #expect(life == .active)
        #expect(life.handle(.channelPaired) == .unchanged)
        #expect(life.handle(.channelEnded(.operatorClosed, openChannels: 1)) == .unchanged)
        #expect(life == .active)
        #expect(life.handle(.channelEnded(.agentClosed, openChannels: 0)) == .finish(.agentClosed))
        #expect(life == .ended(.agentClosed))
        // Nothing moves an ended session.
        #expect(life.handle(.relayLost) == .unchanged)
        #expect(life.handle(.channelPaired) == .unchanged)
    }

    @Test func anEndedSessionIsTheOperatorsEndWhenTheRelayConfirms() {
        var life = SessionLifecycle.active
        #expect(life.handle(.endRequested(at: start)) == .changed)
        #expect(life.handle(.endRequested(at: start)) == .unchanged)
        #expect(
            life.handle(.channelEnded(.endedByServer, openChannels: 0))
                == .finish(.endedByOperator))
    }

    @Test func deadlinesEndSessionsThatNeverStartedOrNeverConfirmed() {
        var offered = SessionLifecycle.offered(since: start)
        #expect(offered.handle(.tick(now: start.addingTimeInterval(74))) == .unchanged)
        #expect(offered.handle(.tick(now: start.addingTimeInterval(76))) == .finish(.notStarted))
        var ending = SessionLifecycle.ending(since: start)
        #expect(ending.handle(.tick(now: start.addingTimeInterval(14))) == .unchanged)
        #expect(
            ending.handle(.tick(now: start.addingTimeInterval(16))) == .finish(.endedByOperator))
        // A long active session is never timed out by the server: the relay's idle rule is.
        var active = SessionLifecycle.active
        #expect(active.handle(.tick(now: start.addingTimeInterval(86_400))) == .unchanged)
    }

    @Test func aRefusedSecondChannelLeavesTheSessionOpen() {
        var life = SessionLifecycle.active
        #expect(life.handle(.channelEnded(.channelDisabled, openChannels: 1)) == .unchanged)
        var first = SessionLifecycle.offered(since: start)
        #expect(first.handle(.channelEnded(.declined, openChannels: 0)) == .finish(.declined))
    }

    @Test func relayLossAndRestartEndAnyOpenSession() {
        for state in [SessionLifecycle.offered(since: start), .active, .ending(since: start)] {
            var lost = state
            #expect(lost.handle(.relayLost) == .finish(.relayLost))
            var restarted = state
            #expect(restarted.handle(.serverRestarted) == .finish(.serverRestart))
        }
    }

    @Test func unknownEndReasonsDecodeInsteadOfFailingTheReport() throws {
        let decoded = try JSONDecoder().decode(
            [SessionEndReason].self, from: Data(#"["agent_closed","from_the_future"]"#.utf8))
        #expect(decoded == [.agentClosed, .unknown])
    }
}

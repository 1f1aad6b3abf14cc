import Testing
import TsunaguCore

@testable import Relay

/// The pairing state machine without sockets.
@Suite struct PairingTableTests {
    final class End {}
    typealias Table = PairingTable<End, String>
    let key = Table.Key(session: "s", connection: "desktop", channel: .desktop)

    private func makePair(_ waiting: End, _ arriving: End) -> String { "pair" }

    @Test func secondEndWithTheOtherRolePairs() {
        var table = Table(capacity: 10)
        let op = End()
        let agent = End()
        guard case .wait = table.arrive(op, role: .operator, key: key, makePair: makePair) else {
            Issue.record("first end should wait")
            return
        }
        #expect(table.waitingCount == 1)
        guard
            case .paired(let pair, let waiting) = table.arrive(
                agent, role: .agent, key: key, makePair: makePair)
        else {
            Issue.record("second end should pair")
            return
        }
        #expect(pair == "pair" && waiting === op)
        #expect(table.waitingCount == 0 && table.pairedCount == 1)
        guard case .wasPaired = table.leave(agent, key: key) else {
            Issue.record("leaving a pair removes it")
            return
        }
        #expect(table.slots.isEmpty)
        guard case .absent = table.leave(op, key: key) else {
            Issue.record("the partner's leave finds nothing")
            return
        }
    }

    @Test func sameRoleIsRefusedAndThirdEndToo() {
        var table = Table(capacity: 10)
        _ = table.arrive(End(), role: .agent, key: key, makePair: makePair)
        guard
            case .refuse(let refusal) = table.arrive(
                End(), role: .agent, key: key, makePair: makePair)
        else {
            Issue.record("same role must be refused")
            return
        }
        #expect(refusal.code == "role_taken")
        _ = table.arrive(End(), role: .operator, key: key, makePair: makePair)
        guard
            case .refuse(let third) = table.arrive(
                End(), role: .operator, key: key, makePair: makePair)
        else {
            Issue.record("a third end must be refused")
            return
        }
        #expect(third.code == "role_taken")
    }

    @Test func capacityCountsKeysNotEnds() {
        var table = Table(capacity: 1)
        _ = table.arrive(End(), role: .agent, key: key, makePair: makePair)
        let other = Table.Key(session: "t", connection: "desktop", channel: .desktop)
        guard
            case .refuse(let refusal) = table.arrive(
                End(), role: .agent, key: other, makePair: makePair)
        else {
            Issue.record("over capacity must be refused")
            return
        }
        #expect(refusal.code == "relay_full")
        guard case .paired = table.arrive(End(), role: .operator, key: key, makePair: makePair)
        else {
            Issue.record("the waiting channel still completes")
            return
        }
    }

    @Test func removesAllChannelsOfASession() {
        var table = Table(capacity: 10)
        for channel in [SessionChannel.desktop, .files] {
            _ = table.arrive(
                End(), role: .agent,
                key: .init(session: "s", connection: channel.rawValue, channel: channel),
                makePair: makePair)
        }
        _ = table.arrive(
            End(), role: .agent, key: .init(session: "t", connection: "desktop", channel: .desktop),
            makePair: makePair)
        #expect(table.remove(session: "s").count == 2)
        #expect(table.waitingCount == 1)
        #expect(table.removeAll().count == 1)
        #expect(table.waitingCount == 0)
    }

    @Test func onlyTheWaitingEndItselfLeaves() {
        var table = Table(capacity: 10)
        let op = End()
        _ = table.arrive(op, role: .operator, key: key, makePair: makePair)
        guard case .absent = table.leave(End(), key: key) else {
            Issue.record("a stranger cannot remove the waiting end")
            return
        }
        guard case .wasWaiting = table.leave(op, key: key) else {
            Issue.record("the waiting end leaves")
            return
        }
    }
}

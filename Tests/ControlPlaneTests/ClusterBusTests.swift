import Foundation
import TestSupport
import Testing
import TsunaguCore
import Vapor

@testable import ControlPlane

/// The bus between server instances on a real PostgreSQL: answers come back from the
/// addressee, silence ends in a timeout, an oversized message is not sent. (Outcomes, not
/// wall-clock bounds: in the full test run the machine is far too busy for those.)
@Suite(.enabled(if: ThrowawayPostgres.adminURL != nil, "needs make test's PostgreSQL"))
struct ClusterBusTests {
    /// A bus that waits `patience` for answers: long where an answer must come (the full test
    /// run can starve a task for many seconds), short where none will.
    private func bus(_ id: String, url: String, patience: Duration = .seconds(120)) async throws
        -> ClusterBus
    {
        let bus = try ClusterBus(
            instanceID: id, databaseURL: url, presence: AgentPresence(),
            group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test"),
            answerTimeout: patience)
        await bus.start()
        return bus
    }

    private let offer = ControlMessage.endSession(.init(session: UUID().uuidString))

    @Test func anInstanceWithoutTheAgentSaysSoAtOnce() async throws {
        let url = try ThrowawayPostgres.createDatabase()
        let (east, west) = (try await bus("east", url: url), try await bus("west", url: url))
        #expect(await east.deliver(offer, to: UUID(), at: "west") == .refused)
        await east.stop()
        await west.stop()
    }

    @Test func nobodyAnsweringFailsAfterTheTimeout() async throws {
        let url = try ThrowawayPostgres.createDatabase()
        let east = try await bus("east", url: url, patience: .seconds(1))
        let start = ContinuousClock.now
        #expect(await east.deliver(offer, to: UUID(), at: "gone") == .unanswered)
        #expect(ContinuousClock.now - start >= .seconds(1))
        await east.stop()
    }

    @Test func aMessageTooLongForNotifyIsRefusedUnsent() async throws {
        let url = try ThrowawayPostgres.createDatabase()
        let east = try await bus("east", url: url)
        let long = ControlMessage.endSession(.init(session: String(repeating: "x", count: 9000)))
        #expect(await east.deliver(long, to: UUID(), at: "west") == .unsent)
        await east.stop()
    }

    @Test func noticesRoundTripAndOthersAreIgnored() throws {
        let notice = ClusterNotice(
            kind: .deliver, to: "b", from: "a", device: UUID(), message: "{}")
        #expect(ClusterNotice(payload: try notice.payload()) == notice)
        #expect(ClusterNotice(payload: "not json") == nil)
        #expect(ClusterNotice(payload: #"{"kind":"other","to":"b","from":"a","id":"x"}"#) == nil)
    }
}

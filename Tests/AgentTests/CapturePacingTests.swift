import NIOCore
import RFB
import Testing

@testable import Agent

/// When the desktop looks for damage and when it captures, without a clock.
struct CapturePacingTests {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
    private func at(_ ms: Int64) -> NIODeadline { start + .milliseconds(ms) }

    @Test func idleChecksAtTheFrameRateAndCapturesNothing() {
        let pacing = CapturePacing(now: start)
        #expect(pacing.nextCheck(after: at(0)) == start + .nanoseconds(16_666_666))
        #expect(pacing.action(at: at(10), damage: []) == .idle)
        #expect(pacing.action(at: at(10), damage: nil) == .capture(fullCompare: false))
        #expect(pacing.action(at: at(1000), damage: []) == .capture(fullCompare: true))
        // Damage late in the interval takes the full compare with it.
        let damage = [Rect(x: 0, y: 0, width: 1, height: 1)]
        #expect(pacing.action(at: at(499), damage: damage) == .capture(fullCompare: false))
        #expect(pacing.action(at: at(500), damage: damage) == .capture(fullCompare: true))
    }

    @Test func capturesAreSpacedWhateverTheInput() {
        var pacing = CapturePacing(now: start)
        let damage = [Rect(x: 0, y: 0, width: 1, height: 1)]
        #expect(pacing.action(at: at(20), damage: damage) == .capture(fullCompare: false))
        pacing.captured(at: at(20), fullCompare: false, changed: true)
        #expect(
            pacing.action(at: at(22), damage: damage)
                == .wait(until: at(20) + .nanoseconds(8_333_333)))
        #expect(pacing.action(at: at(29), damage: damage) == .capture(fullCompare: false))
    }

    @Test func inputAndChangesShortenTheWait() {
        var pacing = CapturePacing(now: start)
        #expect(pacing.inputArrived(at: at(5)) == at(7))
        #expect(pacing.nextCheck(after: at(7)) == at(9))
        #expect(pacing.nextCheck(after: at(40)) == at(40) + .nanoseconds(16_666_666))
        pacing.captured(at: at(50), fullCompare: false, changed: true)
        #expect(pacing.nextCheck(after: at(50)) == at(50) + .nanoseconds(8_333_333))
        #expect(pacing.nextCheck(after: at(200)) == at(200) + .nanoseconds(16_666_666))
    }

    @Test func aFullCompareResetsTheSafetyNet() {
        var pacing = CapturePacing(now: start)
        pacing.captured(at: at(1000), fullCompare: true, changed: false)
        #expect(!pacing.fullCompareDue(at: at(1500)))
        #expect(pacing.fullCompareDue(at: at(2000)))
    }
}

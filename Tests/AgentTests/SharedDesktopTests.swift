import Logging
import NIOCore
import NIOEmbedded
import RFB
import Testing

@testable import Agent

/// The desktop's capture loop on an embedded event loop, with a screen that reports damage.
struct SharedDesktopTests {
    /// What the viewer was told; touched only on the embedded loop's thread.
    final class Viewer: @unchecked Sendable {
        var updates: [DesktopUpdate] = []
    }

    let loop = EmbeddedEventLoop()
    let screen = TestScreen(width: 200, height: 100)
    let viewer = Viewer()

    /// A desktop with one viewer waiting for frames; the screen reports damage.
    private func start() throws -> SharedDesktop {
        screen.damage = []
        let screen = self.screen
        let future = SharedDesktop.make(on: loop, logger: Logger(label: "test")) {
            (screen, screen)
        }
        loop.run()
        let desktop = try future.wait()
        let viewer = self.viewer
        desktop.addViewer(id: 1) { viewer.updates.append($0) }
        desktop.setWantsFrames(id: 1, true)
        loop.run()
        #expect(viewer.updates.count == 1)
        return desktop
    }

    @Test func stillScreenIsNotCaptured() throws {
        let desktop = try start()
        loop.advanceTime(by: .milliseconds(900))
        // About 54 checks at 60 per second, and no capture or compare beyond the first frame.
        #expect(desktop.statistics.checks > 50)
        #expect(desktop.statistics.captures == 0)
        #expect(screen.captures == 1)
        #expect(viewer.updates.count == 1)
        // Once a second a full compare runs anyway, and finds nothing.
        loop.advanceTime(by: .milliseconds(200))
        #expect(desktop.statistics.captures == 1)
        #expect(desktop.statistics.fullCompares == 1)
        #expect(viewer.updates.count == 1)
    }

    @Test func damageIsCapturedAndComparedWhereHinted() throws {
        let desktop = try start()
        loop.advanceTime(by: .milliseconds(100))
        screen.paint(Rect(x: 60, y: 10, width: 10, height: 20), 0xFF_FFFF)
        loop.advanceTime(by: .milliseconds(17))
        #expect(desktop.statistics.captures == 1)
        #expect(desktop.statistics.fullCompares == 0)
        #expect(viewer.updates.count == 2)
        // Exactly the changed pixels, one box per tile they touch.
        #expect(
            viewer.updates.last?.damage == [
                Rect(x: 60, y: 10, width: 4, height: 20), Rect(x: 64, y: 10, width: 6, height: 20),
            ])
        #expect(viewer.updates.last?.frame == screen.frame)
    }

    @Test func fullCompareCatchesWhatTheHintMissed() throws {
        let desktop = try start()
        loop.advanceTime(by: .milliseconds(100))
        screen.paint(Rect(x: 150, y: 70, width: 3, height: 3), 0x12_3456, hidden: true)
        loop.advanceTime(by: .milliseconds(100))
        #expect(viewer.updates.count == 1)
        // A hinted change elsewhere is compared where hinted only.
        screen.paint(Rect(x: 5, y: 5, width: 1, height: 1), 0)
        loop.advanceTime(by: .milliseconds(50))
        #expect(viewer.updates.last?.damage == [Rect(x: 5, y: 5, width: 1, height: 1)])
        // The safety net, a second after the last full compare, finds the rest.
        loop.advanceTime(by: .milliseconds(850))
        #expect(desktop.statistics.fullCompares == 1)
        #expect(viewer.updates.last?.damage == [Rect(x: 150, y: 70, width: 3, height: 3)])
        #expect(viewer.updates.last?.frame == screen.frame)
    }

    @Test func lateDamageTakesTheFullCompareWithIt() throws {
        let desktop = try start()
        loop.advanceTime(by: .milliseconds(700))
        screen.paint(Rect(x: 150, y: 70, width: 3, height: 3), 0x12_3456, hidden: true)
        screen.paint(Rect(x: 5, y: 5, width: 1, height: 1), 0)
        loop.advanceTime(by: .milliseconds(20))
        #expect(desktop.statistics.captures == 1)
        #expect(desktop.statistics.fullCompares == 1)
        #expect(
            viewer.updates.last?.damage == [
                Rect(x: 5, y: 5, width: 1, height: 1), Rect(x: 150, y: 70, width: 3, height: 3),
            ])
        // No second capture for the safety net: the next one is due a second after that one.
        loop.advanceTime(by: .milliseconds(600))
        #expect(desktop.statistics.captures == 1)
    }

    @Test func inputTriggersAnEarlyCapture() throws {
        let desktop = try start()
        // Just after a regular check (at 16.7 ms); the next is due at 33.3 ms.
        loop.advanceTime(by: .milliseconds(20))
        desktop.input(.key(keysym: 0x61, down: true))
        loop.run()
        screen.paint(Rect(x: 20, y: 20, width: 8, height: 12), 0xFF_FFFF)  // the echo
        loop.advanceTime(by: .milliseconds(2))
        #expect(viewer.updates.count == 2)
        #expect(viewer.updates.last?.damage == [Rect(x: 20, y: 20, width: 8, height: 12)])
        #expect(screen.keys.map(\.0) == [0x61])
    }

    @Test func fastInputCapturesAtMost120PerSecond() throws {
        let desktop = try start()
        for i in 0..<100 {
            desktop.input(.key(keysym: 0x61, down: i % 2 == 0))
            screen.paint(Rect(x: i, y: 0, width: 1, height: 1), UInt32(i))
            loop.advanceTime(by: .milliseconds(1))
        }
        // 100 ms: at most one capture per 8.3 ms, and none of the changes left behind.
        #expect(desktop.statistics.captures <= 13)
        #expect(desktop.statistics.captures >= 10)
        loop.advanceTime(by: .milliseconds(10))
        #expect(viewer.updates.last?.frame == screen.frame)
    }

    @Test func noViewerWaitingMeansNoChecks() throws {
        let desktop = try start()
        desktop.setWantsFrames(id: 1, false)
        loop.run()
        let checks = desktop.statistics.checks
        desktop.input(.pointer(x: 1, y: 1, buttons: 0))
        loop.advanceTime(by: .milliseconds(500))
        #expect(desktop.statistics.checks == checks)
    }
}

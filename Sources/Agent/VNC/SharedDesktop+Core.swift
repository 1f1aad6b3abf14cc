import Logging
import NIOCore
import RFB
import Screen

extension SharedDesktop {
    /// The desktop's state; only touched on its event loop.
    final class Core {
        struct Viewer {
            var deliver: @Sendable (DesktopUpdate) -> Void
            var wantsFrames: Bool
        }

        /// Work done so far, for tests and diagnostics.
        struct Statistics: Equatable {
            /// Looks for damage (cheap when the source can tell without capturing).
            var checks = 0
            /// Images taken from the source.
            var captures = 0
            /// Captures compared over the whole frame rather than where the hint said.
            var fullCompares = 0
        }

        let source: any ScreenSource
        let sink: (any InputSink)?
        let logger: Logger
        let eventLoop: any EventLoop
        let pacingConfiguration: CapturePacing.Configuration
        var pacing: CapturePacing
        /// The newest frame that changed; viewers share it (copy-on-write).
        var frame = Framebuffer(width: 0, height: 0)
        /// The pixels viewers have been told about: each capture is compared with it and
        /// only what was found changed is copied in, so a change the damage hint missed is
        /// still found by the next full compare. Never handed out.
        var reference = Framebuffer(width: 0, height: 0)
        /// Where the next capture goes.
        var scratch = Framebuffer(width: 0, height: 0)
        var cursor: CursorImage?
        var clipboard: String?
        var viewers: [Int: Viewer] = [:]
        var wake: Scheduled<Void>?
        var wakeDeadline: NIODeadline?
        var failedCaptures = 0
        private(set) var statistics = Statistics()

        init(
            source: any ScreenSource, sink: (any InputSink)?, logger: Logger,
            eventLoop: any EventLoop, pacing: CapturePacing.Configuration
        ) {
            self.source = source
            self.eventLoop = eventLoop
            self.sink = sink
            self.logger = logger
            self.pacingConfiguration = pacing
            self.pacing = CapturePacing(configuration: pacing, now: eventLoop.now)
        }

        func captureFirstFrame() throws {
            _ = try source.capture(into: &frame)
            reference = frame
            pacing = CapturePacing(configuration: pacingConfiguration, now: eventLoop.now)
            cursor = try? source.cursorIfChanged()
            clipboard = try? source.clipboardIfChanged()
        }

        func add(id: Int, deliver: @escaping @Sendable (DesktopUpdate) -> Void) {
            viewers[id] = Viewer(deliver: deliver, wantsFrames: false)
            deliver(
                DesktopUpdate(
                    frame: frame, damage: [frame.bounds], resized: true, cursor: cursor,
                    clipboard: nil))
        }

        func remove(id: Int) {
            viewers[id] = nil
            updateTimer()
        }

        func setWantsFrames(id: Int, _ wants: Bool) {
            viewers[id]?.wantsFrames = wants
            updateTimer()
        }

        private var running: Bool { viewers.values.contains { $0.wantsFrames } }

        /// Looks at once when a viewer starts waiting; stops looking when none waits.
        private func updateTimer() {
            if running {
                schedule(at: eventLoop.now)
            } else {
                wake?.cancel()
                wake = nil
                wakeDeadline = nil
            }
        }

        /// Makes sure a check runs at `deadline` at the latest.
        private func schedule(at deadline: NIODeadline) {
            if let current = wakeDeadline, current <= deadline { return }
            wake?.cancel()
            wakeDeadline = deadline
            let bound = NIOLoopBound(self, eventLoop: eventLoop)
            wake = eventLoop.scheduleTask(deadline: deadline) { bound.value.check() }
        }

        /// One check: asks the source for damage, captures when there is some (or when it
        /// cannot tell, or a full compare is due), then tells every viewer what changed.
        func check() {
            wake = nil
            wakeDeadline = nil
            guard running else { return }
            statistics.checks += 1
            let now = eventLoop.now
            var hint: [Rect]?
            if !pacing.fullCompareDue(at: now) {
                // A failing source is reported by the capture that follows.
                hint = (try? source.pendingDamage()) ?? nil
            }
            var damage: [Rect] = []
            var resized = false
            var next = pacing.nextCheck(after: now)
            switch pacing.action(at: now, damage: hint) {
            case .idle:
                break
            case .wait(let until):
                next = until
            case .capture(let fullCompare):
                (damage, resized) = capture(at: now, fullCompare: fullCompare)
                next = pacing.nextCheck(after: now)
            }
            let newCursor = try? source.cursorIfChanged()
            let newClipboard = try? source.clipboardIfChanged()
            if let newCursor { cursor = newCursor }
            if let newClipboard { clipboard = newClipboard }
            if !damage.isEmpty || newCursor != nil || newClipboard != nil {
                let update = DesktopUpdate(
                    frame: frame, damage: damage, resized: resized, cursor: newCursor,
                    clipboard: newClipboard)
                for viewer in viewers.values { viewer.deliver(update) }
            }
            schedule(at: next)
        }

        /// Takes the image and compares it with what viewers were told: the boxes that
        /// changed (the whole frame after a resize), and whether the size changed.
        private func capture(at now: NIODeadline, fullCompare: Bool) -> ([Rect], Bool) {
            let hint: [Rect]?
            do {
                hint = try source.capture(into: &scratch)
                failedCaptures = 0
            } catch {
                failedCaptures += 1
                // Log the first failure and then rarely, not 60 times a second.
                if failedCaptures == 1 || failedCaptures % 600 == 0 {
                    logger.error(
                        "screen capture failed",
                        metadata: ["error": "\(error)", "count": "\(failedCaptures)"])
                }
                pacing.captured(at: now, fullCompare: false, changed: false)
                return ([], false)
            }
            statistics.captures += 1
            let full = fullCompare || hint == nil
            if full { statistics.fullCompares += 1 }
            let resized = scratch.width != reference.width || scratch.height != reference.height
            let damage: [Rect]
            if resized {
                damage = [scratch.bounds]
                reference = scratch
            } else {
                damage = TileDiffer.changedBoxes(
                    old: reference, new: scratch, hint: full ? nil : hint)
                reference.copy(damage, from: scratch)
            }
            pacing.captured(at: now, fullCompare: full, changed: !damage.isEmpty)
            // The frame viewers hold stays as it is until something changed.
            if !damage.isEmpty { swap(&frame, &scratch) }
            return (damage, resized)
        }

        func input(_ event: ViewerInput) {
            guard let sink else { return }
            do {
                switch event {
                case .key(let keysym, let down): try sink.key(keysym: keysym, down: down)
                case .scancode(let code, let keysym, let down):
                    try sink.key(scancode: code, keysym: keysym, down: down)
                case .pointer(let x, let y, let buttons):
                    try sink.pointer(x: x, y: y, buttons: buttons)
                case .clipboard(let text): try sink.setClipboard(text)
                }
            } catch {
                logger.warning("input failed", metadata: ["error": "\(error)"])
            }
            // The input's effect is drawn within a few milliseconds: look for it then.
            let soon = pacing.inputArrived(at: eventLoop.now)
            if running { schedule(at: soon) }
        }
    }
}

import Logging
import NIOCore
import RFB
import Screen

/// Input from a viewer, on its way to the desktop's ``InputSink``.
public enum ViewerInput: Sendable, Hashable {
    case key(keysym: UInt32, down: Bool)
    case scancode(UInt32, keysym: UInt32, down: Bool)
    case pointer(x: Int, y: Int, buttons: UInt8)
    case clipboard(String)
}

/// What the desktop tells each viewer after a capture that changed something.
struct DesktopUpdate: Sendable {
    /// The newest frame (shared storage; copied only when written).
    var frame: Framebuffer
    /// Tiles that differ from the previous frame.
    var damage: [Rect]
    /// True when the frame's size changed (or for a viewer's first update).
    var resized: Bool
    var cursor: CursorImage?
    var clipboard: String?
}

/// The one screen every viewer shares (TigerVNC's `VNCServerST`): owns the ``ScreenSource``
/// and ``InputSink`` on one event loop (an XCB connection must stay on one thread), captures
/// up to `framesPerSecond` while any viewer wants frames, and compares tiles against the
/// previous frame so viewers only ever get changed pixels.
public final class SharedDesktop: Sendable {
    /// The loop that owns the screen source; every capture and input happens on it.
    public let eventLoop: any EventLoop
    private let core: NIOLoopBound<Core>

    private init(eventLoop: any EventLoop, core: Core) {
        self.eventLoop = eventLoop
        self.core = NIOLoopBound(core, eventLoop: eventLoop)
    }

    /// Creates the desktop on `eventLoop`; `makeSource` runs there, so a source bound to its
    /// creating thread (XCB) is fine. The first frame is captured before the future succeeds.
    public static func make(
        on eventLoop: any EventLoop, logger: Logger, framesPerSecond: Int = 60,
        source makeSource: @escaping @Sendable () throws -> (any ScreenSource, (any InputSink)?)
    ) -> EventLoopFuture<SharedDesktop> {
        eventLoop.submit {
            let (source, sink) = try makeSource()
            let core = Core(
                source: source, sink: sink, logger: logger, eventLoop: eventLoop,
                interval: .nanoseconds(1_000_000_000 / Int64(max(1, framesPerSecond))))
            try core.captureFirstFrame()
            return SharedDesktop(eventLoop: eventLoop, core: core)
        }
    }

    /// Registers a viewer; `deliver` is called on the desktop's loop with every change (the
    /// first call carries the whole current frame).
    func addViewer(id: Int, deliver: @escaping @Sendable (DesktopUpdate) -> Void) {
        run { $0.add(id: id, deliver: deliver) }
    }

    /// Forgets a viewer (its connection closed).
    func removeViewer(id: Int) {
        run { $0.remove(id: id) }
    }

    /// Whether the viewer waits for frames; capture runs only while some viewer does.
    func setWantsFrames(id: Int, _ wants: Bool) {
        run { $0.setWantsFrames(id: id, wants) }
    }

    /// Passes input to the sink (in order: one loop, one queue).
    func input(_ event: ViewerInput) {
        run { $0.input(event) }
    }

    private func run(_ body: @escaping @Sendable (Core) -> Void) {
        let core = self.core
        if eventLoop.inEventLoop {
            body(core.value)
        } else {
            eventLoop.execute { body(core.value) }
        }
    }
}

extension SharedDesktop {
    /// The desktop's state; only touched on its event loop.
    final class Core {
        struct Viewer {
            var deliver: @Sendable (DesktopUpdate) -> Void
            var wantsFrames: Bool
        }

        let source: any ScreenSource
        let sink: (any InputSink)?
        let logger: Logger
        let eventLoop: any EventLoop
        let interval: TimeAmount
        var frame = Framebuffer(width: 0, height: 0)
        var scratch = Framebuffer(width: 0, height: 0)
        var cursor: CursorImage?
        var clipboard: String?
        var viewers: [Int: Viewer] = [:]
        var timer: RepeatedTask?
        var failedCaptures = 0

        init(
            source: any ScreenSource, sink: (any InputSink)?, logger: Logger,
            eventLoop: any EventLoop, interval: TimeAmount
        ) {
            self.source = source
            self.eventLoop = eventLoop
            self.sink = sink
            self.logger = logger
            self.interval = interval
        }

        func captureFirstFrame() throws {
            _ = try source.capture(into: &frame)
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

        private func updateTimer() {
            let wanted = viewers.values.contains { $0.wantsFrames }
            if wanted, timer == nil {
                let bound = NIOLoopBound(self, eventLoop: eventLoop)
                timer = eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: interval) { _ in
                    bound.value.tick()
                }
            } else if !wanted, let running = timer {
                running.cancel()
                timer = nil
            }
        }

        /// One capture: compare, then tell every viewer what changed.
        func tick() {
            let damage: [Rect]
            let resized: Bool
            do {
                let hint = try source.capture(into: &scratch)
                resized = scratch.width != frame.width || scratch.height != frame.height
                damage =
                    resized
                    ? [scratch.bounds]
                    : TileDiffer.changedTiles(old: frame, new: scratch, hint: hint)
                swap(&frame, &scratch)
                failedCaptures = 0
            } catch {
                failedCaptures += 1
                // Log the first failure and then rarely, not 60 times a second.
                if failedCaptures == 1 || failedCaptures % 600 == 0 {
                    logger.error(
                        "screen capture failed",
                        metadata: ["error": "\(error)", "count": "\(failedCaptures)"])
                }
                return
            }
            let newCursor = try? source.cursorIfChanged()
            let newClipboard = try? source.clipboardIfChanged()
            if let newCursor { cursor = newCursor }
            if let newClipboard { clipboard = newClipboard }
            guard !damage.isEmpty || newCursor != nil || newClipboard != nil else { return }
            let update = DesktopUpdate(
                frame: frame, damage: damage, resized: resized, cursor: newCursor,
                clipboard: newClipboard)
            for viewer in viewers.values { viewer.deliver(update) }
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
        }
    }
}

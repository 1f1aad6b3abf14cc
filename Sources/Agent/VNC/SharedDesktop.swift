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
/// and ``InputSink`` on one event loop (an XCB connection must stay on one thread), and while
/// any viewer wants frames, captures when the source reports damage (looking
/// `framesPerSecond` times a second, sooner after input or changes; see ``CapturePacing``),
/// comparing tiles against what viewers were told so that they only ever get changed pixels.
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
        make(
            on: eventLoop, logger: logger,
            pacing: CapturePacing.Configuration(framesPerSecond: framesPerSecond),
            source: makeSource)
    }

    /// Creates the desktop with explicit capture timing.
    static func make(
        on eventLoop: any EventLoop, logger: Logger, pacing: CapturePacing.Configuration,
        source makeSource: @escaping @Sendable () throws -> (any ScreenSource, (any InputSink)?)
    ) -> EventLoopFuture<SharedDesktop> {
        eventLoop.submit {
            let (source, sink) = try makeSource()
            let core = Core(
                source: source, sink: sink, logger: logger, eventLoop: eventLoop, pacing: pacing)
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

    /// Passes input to the sink (in order: one loop, one queue) and looks for its effect on
    /// the screen soon after.
    func input(_ event: ViewerInput) {
        run { $0.input(event) }
    }

    /// How much work the desktop did so far; call on its event loop (tests).
    var statistics: Core.Statistics {
        core.value.statistics
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

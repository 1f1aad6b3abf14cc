import CXCB
import Foundation

/// A window of our own on the test's X server that records the key and button events it
/// receives, to check what XTEST input really produced.
final class XEventProbe {
    /// Key and button events as the window saw them.
    struct Event: Equatable {
        enum Kind: Equatable { case keyPress, keyRelease, buttonPress, buttonRelease }
        var kind: Kind
        /// Keycode or button number.
        var detail: UInt8
        var x: Int
        var y: Int
        /// Modifier and button state before the event (bit 0: Shift).
        var state: UInt16
    }

    let connection: OpaquePointer
    let window: xcb_window_t

    init(display: String, x: Int16, y: Int16, width: UInt16, height: UInt16) throws {
        guard let connection = xcb_connect(display, nil), xcb_connection_has_error(connection) == 0
        else { throw XvfbServer.XvfbError.cannotStart }
        self.connection = connection
        let screen = xcb_setup_roots_iterator(xcb_get_setup(connection)).data.pointee
        window = xcb_generate_id(connection)
        let events =
            XCB_EVENT_MASK_KEY_PRESS.rawValue | XCB_EVENT_MASK_KEY_RELEASE.rawValue
            | XCB_EVENT_MASK_BUTTON_PRESS.rawValue | XCB_EVENT_MASK_BUTTON_RELEASE.rawValue
            | XCB_EVENT_MASK_EXPOSURE.rawValue
        // Value order follows the mask bits: back pixel, override redirect, event mask.
        let values: [UInt32] = [screen.white_pixel, 1, events]
        xcb_create_window(
            connection, UInt8(XCB_COPY_FROM_PARENT), window, screen.root, x, y, width, height, 0,
            UInt16(XCB_WINDOW_CLASS_INPUT_OUTPUT.rawValue), screen.root_visual,
            XCB_CW_BACK_PIXEL.rawValue | XCB_CW_OVERRIDE_REDIRECT.rawValue
                | XCB_CW_EVENT_MASK.rawValue, values)
        xcb_map_window(connection, window)
        xcb_flush(connection)
        // Mapped and viewable once the first Expose arrives.
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if let event = xcb_poll_for_event(connection) {
                let type = event.pointee.response_type & 0x7f
                free(event)
                if type == XCB_EXPOSE { return }
            } else {
                usleep(5000)
            }
        }
        throw XvfbServer.XvfbError.timeout("probe window map")
    }

    deinit { xcb_disconnect(connection) }

    /// The next key or button event, waiting up to `seconds`.
    func next(seconds: Double = 3) -> Event? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            guard let event = xcb_poll_for_event(connection) else {
                usleep(2000)
                continue
            }
            defer { free(event) }
            let type = Int32(event.pointee.response_type & 0x7f)
            let kinds: [Int32: Event.Kind] = [
                XCB_KEY_PRESS: .keyPress, XCB_KEY_RELEASE: .keyRelease,
                XCB_BUTTON_PRESS: .buttonPress, XCB_BUTTON_RELEASE: .buttonRelease,
            ]
            guard let kind = kinds[type] else { continue }
            // Key and button events share one layout.
            let input = UnsafeRawPointer(event).load(as: xcb_key_press_event_t.self)
            return Event(
                kind: kind, detail: input.detail, x: Int(input.event_x), y: Int(input.event_y),
                state: input.state)
        }
        return nil
    }

    /// Events until none arrives for `quiet` seconds.
    func drain(quiet: Double = 0.3) -> [Event] {
        var events: [Event] = []
        while let event = next(seconds: quiet) { events.append(event) }
        return events
    }

    /// The keysyms the server maps `keycode` to now (columns 0 and 1).
    func keysyms(of keycode: UInt8) -> [UInt32] {
        let cookie = xcb_get_keyboard_mapping(connection, keycode, 1)
        guard let reply = xcb_get_keyboard_mapping_reply(connection, cookie, nil) else { return [] }
        defer { free(reply) }
        let count = Int(xcb_get_keyboard_mapping_keysyms_length(reply))
        guard let keysyms = xcb_get_keyboard_mapping_keysyms(reply) else { return [] }
        return Array(UnsafeBufferPointer(start: keysyms, count: min(count, 2)))
    }
}

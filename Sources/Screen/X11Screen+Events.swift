import CXCB
import Glibc
import RFB

/// The event pump's dispatch, and the cursor and clipboard it feeds.
extension X11Screen {
    /// The XFIXES cursor image after a cursor change (and on the first call), else nil.
    public func cursorIfChanged() throws -> CursorImage? {
        try processEvents()
        guard cursorChanged else { return nil }
        cursorChanged = false
        guard let (image, serial) = X11Cursor.current(connection: connection),
            serial != lastCursorSerial
        else { return nil }
        lastCursorSerial = serial
        return image
    }

    /// Text another client put on CLIPBOARD since the last call, else nil.
    public func clipboardIfChanged() throws -> String? {
        try processEvents()
        return clipboard.takeChanged()
    }

    /// Offers `text` to the customer's applications as CLIPBOARD and PRIMARY.
    public func setClipboard(_ text: String) throws {
        try processEvents()
        clipboard.offer(text)
        try flush()
    }

    /// One event from `xcb_poll_for_event`; the pointer stays the caller's to free.
    func handle(_ event: UnsafeMutablePointer<xcb_generic_event_t>) {
        // The top bit only says the event came from SendEvent.
        let type = event.pointee.response_type & 0x7f
        let raw = UnsafeRawPointer(event)
        switch Int32(type) {
        case 0:
            // An error from a request we did not wait on (a requestor window that vanished
            // before we wrote its property, say): nothing to undo.
            break
        case XCB_SELECTION_REQUEST:
            clipboard.answer(raw.load(as: xcb_selection_request_event_t.self))
            xcb_flush(connection)
        case XCB_SELECTION_NOTIFY:
            clipboard.conversionDone(raw.load(as: xcb_selection_notify_event_t.self))
            xcb_flush(connection)
        case XCB_SELECTION_CLEAR:
            clipboard.selectionCleared(raw.load(as: xcb_selection_clear_event_t.self))
        case XCB_MAPPING_NOTIFY:
            // Keyboard or modifier map changed (our own spare-key bindings included).
            keymapStale = true
        default:
            handleExtension(type, raw)
        }
    }

    private func handleExtension(_ type: UInt8, _ raw: UnsafeRawPointer) {
        if type == eventBases.damage + UInt8(XCB_DAMAGE_NOTIFY) {
            damageNotified = true
        } else if type == eventBases.xfixes + UInt8(XCB_XFIXES_CURSOR_NOTIFY) {
            cursorChanged = true
        } else if type == eventBases.xfixes + UInt8(XCB_XFIXES_SELECTION_NOTIFY) {
            let notify = raw.load(as: xcb_xfixes_selection_notify_event_t.self)
            if notify.selection == clipboard.atoms.clipboard {
                clipboard.ownerChanged(to: notify.owner, time: notify.timestamp)
                xcb_flush(connection)
            }
        } else if let randr = eventBases.randr,
            type == randr + UInt8(XCB_RANDR_SCREEN_CHANGE_NOTIFY)
        {
            geometryStale = true
        }
    }
}

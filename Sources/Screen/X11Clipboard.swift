import CXCB
import Glibc

/// The X11 side of the shared clipboard: owns CLIPBOARD and PRIMARY with a hidden window to
/// offer the operator's text, and fetches other clients' CLIPBOARD text when XFIXES reports
/// a new owner.
///
/// Driven by ``X11Screen``'s event pump; it never blocks except for one GetProperty round
/// trip when a conversion it asked for is ready.
struct X11Clipboard {
    /// The atoms the selection protocol (ICCCM) needs, interned once.
    struct Atoms {
        let clipboard: xcb_atom_t
        let utf8String: xcb_atom_t
        let targets: xcb_atom_t
        let text: xcb_atom_t
        let incr: xcb_atom_t
        /// The property on our window that conversions are delivered into.
        let transfer: xcb_atom_t
        let primary = xcb_atom_t(XCB_ATOM_PRIMARY.rawValue)
        let string = xcb_atom_t(XCB_ATOM_STRING.rawValue)
        let atom = xcb_atom_t(XCB_ATOM_ATOM.rawValue)

        init(connection: OpaquePointer) throws {
            let names = [
                "CLIPBOARD", "UTF8_STRING", "TARGETS", "TEXT", "INCR", "TSUNAGU_SELECTION",
            ]
            // All requests first, then the replies: one round trip.
            let cookies = names.map { name in
                xcb_intern_atom(connection, 0, UInt16(name.utf8.count), name)
            }
            var atoms: [xcb_atom_t] = []
            for (name, cookie) in zip(names, cookies) {
                let reply = try X11Setup.reply(connection: connection, "InternAtom \(name)") {
                    xcb_intern_atom_reply(connection, cookie, $0)
                }
                atoms.append(reply.pointee.atom)
                free(reply)
            }
            clipboard = atoms[0]
            utf8String = atoms[1]
            targets = atoms[2]
            text = atoms[3]
            incr = atoms[4]
            transfer = atoms[5]
        }
    }

    let connection: OpaquePointer
    let root: xcb_window_t
    let atoms: Atoms
    let window: xcb_window_t
    /// Larger texts are neither offered nor taken (no INCR transfers).
    let maxBytes: Int

    /// The operator's text while we own a selection.
    private var offered: String?
    private var ownedSelections: Set<xcb_atom_t> = []
    /// The last text either side put on the clipboard, to report only real changes.
    private var lastKnown: String?
    private var changed: String?
    /// The target of the conversion in flight, to retry STRING when UTF8_STRING fails.
    private var converting: xcb_atom_t?

    init(connection: OpaquePointer, root: xcb_window_t, atoms: Atoms, maxBytes: Int = 4 << 20) {
        self.connection = connection
        self.root = root
        self.atoms = atoms
        self.window = xcb_generate_id(connection)
        // The request itself must fit, with its header, in the server's request limit.
        let requestLimit = Int(xcb_get_maximum_request_length(connection)) * 4 - 64
        self.maxBytes = min(maxBytes, requestLimit)
    }

    /// Creates the hidden window, subscribes to owner changes and fetches the current text.
    mutating func start() {
        // InputOnly, never mapped: only a name for selections, invisible to the customer.
        xcb_create_window(
            connection, 0, window, root, -1, -1, 1, 1, 0,
            UInt16(XCB_WINDOW_CLASS_INPUT_ONLY.rawValue), 0, 0, nil)
        xcb_xfixes_select_selection_input(
            connection, window, atoms.clipboard,
            XCB_XFIXES_SELECTION_EVENT_MASK_SET_SELECTION_OWNER.rawValue)
        let cookie = xcb_get_selection_owner(connection, atoms.clipboard)
        if let reply = xcb_get_selection_owner_reply(connection, cookie, nil) {
            if reply.pointee.owner != 0 { ownerChanged(to: reply.pointee.owner, time: 0) }
            free(reply)
        }
    }

    func stop() {
        xcb_destroy_window(connection, window)
    }

    /// Offers `text` to other clients as CLIPBOARD and PRIMARY.
    mutating func offer(_ text: String) {
        offered = text
        lastKnown = text
        for selection in [atoms.clipboard, atoms.primary] {
            xcb_set_selection_owner(connection, window, selection, 0)
            ownedSelections.insert(selection)
        }
    }

    /// Text another client put on CLIPBOARD since the last call.
    mutating func takeChanged() -> String? {
        defer { changed = nil }
        return changed
    }

    // MARK: Events

    /// XFIXES: CLIPBOARD has a new owner; ask it for its text unless it is us.
    mutating func ownerChanged(to owner: xcb_window_t, time: xcb_timestamp_t) {
        guard owner != window, owner != 0 else { return }
        ownedSelections.remove(atoms.clipboard)
        convert(to: atoms.utf8String, time: time)
    }

    private mutating func convert(to target: xcb_atom_t, time: xcb_timestamp_t) {
        converting = target
        xcb_convert_selection(connection, window, atoms.clipboard, target, atoms.transfer, time)
    }

    /// The owner answered our conversion: read (and delete) the property it wrote.
    mutating func conversionDone(_ event: xcb_selection_notify_event_t) {
        guard event.requestor == window, event.selection == atoms.clipboard else { return }
        let target = converting
        converting = nil
        guard event.property != 0 else {
            // Old clients only speak STRING (Latin-1).
            if target == atoms.utf8String { convert(to: atoms.string, time: event.time) }
            return
        }
        let cookie = xcb_get_property(
            connection, 1, window, event.property, 0, 0, UInt32(maxBytes / 4 + 1))
        guard let reply = xcb_get_property_reply(connection, cookie, nil) else { return }
        defer { free(reply) }
        let type = reply.pointee.type
        // INCR (texts too big for one property) and truncated values are not taken.
        guard type != atoms.incr, reply.pointee.bytes_after == 0, reply.pointee.format == 8
        else { return }
        let count = Int(xcb_get_property_value_length(reply))
        let bytes = UnsafeRawBufferPointer(start: xcb_get_property_value(reply), count: count)
        let text =
            type == atoms.string
            ? String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
            : String(decoding: bytes, as: UTF8.self)
        guard text != lastKnown else { return }
        lastKnown = text
        changed = text
    }

    /// Another client took a selection we owned.
    mutating func selectionCleared(_ event: xcb_selection_clear_event_t) {
        guard event.owner == window else { return }
        ownedSelections.remove(event.selection)
        if ownedSelections.isEmpty { offered = nil }
    }

    /// Another client pastes: write our text into its property, then tell it (ICCCM 2.2).
    func answer(_ request: xcb_selection_request_event_t) {
        // Obsolete clients pass property None: use the target's name instead.
        let property = request.property != 0 ? request.property : request.target
        let delivered =
            ownedSelections.contains(request.selection)
            && deliver(to: request.requestor, property: property, target: request.target)
        var notify = xcb_selection_notify_event_t()
        notify.response_type = UInt8(XCB_SELECTION_NOTIFY)
        notify.time = request.time
        notify.requestor = request.requestor
        notify.selection = request.selection
        notify.target = request.target
        notify.property = delivered ? property : 0
        _ = withUnsafeBytes(of: notify) { event in
            xcb_send_event(
                connection, 0, request.requestor, 0,
                event.baseAddress!.assumingMemoryBound(to: CChar.self))
        }
    }

    private func deliver(to requestor: xcb_window_t, property: xcb_atom_t, target: xcb_atom_t)
        -> Bool
    {
        guard let offered else { return false }
        let replace = UInt8(XCB_PROP_MODE_REPLACE.rawValue)
        if target == atoms.targets {
            let list = [atoms.targets, atoms.utf8String, atoms.string, atoms.text]
            xcb_change_property(
                connection, replace, requestor, property, atoms.atom, 32, UInt32(list.count), list)
            return true
        }
        let bytes: [UInt8]
        let type: xcb_atom_t
        if target == atoms.utf8String || target == atoms.text {
            bytes = Array(offered.utf8)
            type = atoms.utf8String
        } else if target == atoms.string {
            // STRING is Latin-1 by definition; what it cannot hold becomes "?".
            bytes = offered.unicodeScalars.map { $0.value <= 0xff ? UInt8($0.value) : 0x3f }
            type = atoms.string
        } else {
            return false
        }
        guard bytes.count <= maxBytes else { return false }
        xcb_change_property(
            connection, replace, requestor, property, type, 8, UInt32(bytes.count), bytes)
        return true
    }
}

/// Keycodes with no symbols that input borrows for keysyms the customer's layout lacks (a yen
/// sign on a US layout, kana, any Unicode character), as x11vnc and TigerVNC do.
///
/// Bindings are kept and reused: a release must find the keycode of its press, and X clients
/// re-read the keymap after each change, so rebinding per key would be slow and racy. When
/// all are in use, the oldest binding that is not held down is replaced.
struct X11SpareKeycodes: Sendable, Equatable {
    private var free: [UInt8]
    /// Oldest first.
    private(set) var bindings: [(keysym: UInt32, keycode: UInt8)] = []

    /// `keycodes`: the keymap's empty keycodes; the highest are used first, away from the
    /// ones a layout is most likely to fill later.
    init(keycodes: [UInt8]) {
        free = keycodes.sorted()
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.free == rhs.free && lhs.bindings.elementsEqual(rhs.bindings) { $0 == $1 }
    }

    /// The keycode already bound to `keysym`, if any.
    func keycode(boundTo keysym: UInt32) -> UInt8? {
        bindings.first { $0.keysym == keysym }?.keycode
    }

    /// Picks a keycode for `keysym` and records the binding; nil when every spare is held.
    /// The caller must then change the server's mapping for that keycode.
    mutating func take(for keysym: UInt32, avoiding held: Set<UInt8>) -> UInt8? {
        if let keycode = free.popLast() {
            bindings.append((keysym, keycode))
            return keycode
        }
        guard let index = bindings.firstIndex(where: { !held.contains($0.keycode) }) else {
            return nil
        }
        let keycode = bindings.remove(at: index).keycode
        bindings.append((keysym, keycode))
        return keycode
    }

    /// Drops bindings another client overwrote (a new layout was loaded, say).
    mutating func reconcile(with keymap: X11Keymap) {
        bindings.removeAll { binding in
            !keymap.symbols(of: Int(binding.keycode)).allSatisfy { $0 == binding.keysym }
        }
        free.removeAll { keymap.hasSymbols(Int($0)) }
    }

    /// Every keycode we changed, to clear when we leave.
    var boundKeycodes: [UInt8] { bindings.map(\.keycode) }
}

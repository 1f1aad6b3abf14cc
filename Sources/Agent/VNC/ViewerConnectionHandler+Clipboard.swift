import RFB

extension ViewerConnectionHandler {
    private var usesExtendedClipboard: Bool {
        session.encodingSettings.supports(Encoding.extendedClipboard)
    }

    /// The customer's clipboard changed: tell the viewer the way it understands.
    func clipboardDidChange(_ text: String) {
        latestClipboard = text
        guard session.isInitialised else { return }
        var out: [UInt8] = []
        if usesExtendedClipboard && clientClipboardActions.contains(.notify) {
            // The viewer asks for the text when it wants it.
            ServerMessageWriter.extendedClipboard(.notify(.text), into: &out)
        } else if usesExtendedClipboard && clientClipboardActions.contains(.provide) {
            ServerMessageWriter.extendedClipboard(.provide(text: text), into: &out)
        } else {
            ServerMessageWriter.serverCutText(text, into: &out)
        }
        write(out)
    }

    func handleExtendedClipboard(_ message: ExtendedClipboard.Message) {
        var out: [UInt8] = []
        switch message {
        case .caps(_, let actions, _):
            clientClipboardActions = actions
        case .request(let formats):
            guard formats.contains(.text) else { return }
            ServerMessageWriter.extendedClipboard(.provide(text: latestClipboard ?? ""), into: &out)
        case .peek:
            ServerMessageWriter.extendedClipboard(
                .notify(latestClipboard == nil ? [] : .text), into: &out)
        case .notify(let formats):
            guard formats.contains(.text) else { return }
            ServerMessageWriter.extendedClipboard(.request(.text), into: &out)
        case .provide(let text):
            if let text { desktop.input(.clipboard(text)) }
        }
        if !out.isEmpty { write(out) }
    }
}

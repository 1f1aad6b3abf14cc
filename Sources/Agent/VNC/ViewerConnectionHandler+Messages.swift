import RFB

extension ViewerConnectionHandler {
    typealias Encoding = RFBConstants.Encoding

    /// Acts on one message from the viewer.
    func handle(_ message: ClientMessage) {
        switch message {
        case .setEncodings(let list):
            encodingsDidChange(list)
        case .setPixelFormat(let format):
            logger.debug("viewer pixel format", metadata: ["format": "\(format)"])
            // Everything must be sent again in the new format.
            if let frame { damage.add(frame.bounds) }
        case .framebufferUpdateRequest(let incremental, let rect):
            if !incremental { damage.add(rect) }
            requestedArea = rect
            updateRequested = true
            refreshWantsFrames()
            sendUpdateIfPossible()
        case .keyEvent(let down, let keysym):
            desktop.input(.key(keysym: keysym, down: down))
        case .qemuKeyEvent(let down, let keysym, let keycode):
            desktop.input(.scancode(keycode, keysym: keysym, down: down))
        case .pointerEvent(let buttons, let x, let y):
            desktop.input(.pointer(x: x, y: y, buttons: buttons))
        case .clientCutText(let text):
            desktop.input(.clipboard(text))
        case .extendedClipboard(let clipboard):
            handleExtendedClipboard(clipboard)
        case .enableContinuousUpdates(let enable, let rect):
            if enable {
                continuousArea = rect
            } else {
                continuousArea = nil
                var out: [UInt8] = []
                ServerMessageWriter.endOfContinuousUpdates(into: &out)
                write(out)
            }
            refreshWantsFrames()
            sendUpdateIfPossible()
        case .clientFence(let flags, let payload):
            // A request is answered in order with the flags we understand; a reply to our
            // own fence needs nothing.
            guard flags & RFBConstants.FenceFlags.request != 0 else { return }
            let answer =
                flags & RFBConstants.FenceFlags.supported & ~RFBConstants.FenceFlags.request
            var out: [UInt8] = []
            ServerMessageWriter.serverFence(flags: answer, payload: payload, into: &out)
            write(out)
        case .setDesktopSize:
            // The agent mirrors a real screen; it does not resize it for a viewer.
            pendingDesktopSizeReply = true
            sendUpdateIfPossible()
        case .protocolVersion, .securityType, .vncAuthResponse, .clientInit:
            break
        }
    }

    private func encodingsDidChange(_ list: [Int32]) {
        let settings = EncodingSettings(fromSetEncodings: list)
        let chosen = settings.supports(Encoding.tight) ? "tight" : "raw"
        logger.info(
            "viewer encodings", metadata: ["encodings": "\(list)", "chosen": "\(chosen)"])
        var out: [UInt8] = []
        let firstTime = { (encoding: Int32) -> Bool in
            settings.supports(encoding) && self.announced.insert(encoding).inserted
        }
        if firstTime(Encoding.continuousUpdates) {
            // EndOfContinuousUpdates tells the viewer the server supports them.
            ServerMessageWriter.endOfContinuousUpdates(into: &out)
        }
        if firstTime(Encoding.fence) {
            // A first fence tells the viewer fences are understood (TigerVNC waits for it).
            ServerMessageWriter.serverFence(
                flags: RFBConstants.FenceFlags.request, payload: [], into: &out)
        }
        if firstTime(Encoding.extendedClipboard) {
            ServerMessageWriter.extendedClipboard(
                .caps(
                    .text, actions: ExtendedClipboard.Actions.all,
                    maxSizes: [UInt32(session.configuration.limits.maxCutTextLength)]),
                into: &out)
        }
        if firstTime(Encoding.extendedDesktopSize) { pendingExtendedDesktopSizeAck = true }
        if firstTime(Encoding.qemuExtendedKeyEvent) { pendingQEMUAck = true }
        if settings.supports(Encoding.cursor), let cursor = latestCursor { pendingCursor = cursor }
        if !out.isEmpty { write(out) }
    }

    func refreshWantsFrames() {
        let wants = updateRequested || continuousArea != nil
        guard wants != wantsFrames else { return }
        wantsFrames = wants
        desktop.setWantsFrames(id: id, wants)
    }
}

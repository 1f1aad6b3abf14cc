extension ClientMessageParser {
    /// Parses one normal message (after initialisation), or nil when it is incomplete.
    func parseMessage() throws(ParseError) -> (ClientMessage, Int)? {
        typealias T = RFBConstants.ClientMessageType
        let type = u8(0)
        switch type {
        case T.setPixelFormat:
            guard available >= 20 else { return nil }
            return (.setPixelFormat(try pixelFormat(4)), 20)
        case T.setEncodings:
            guard available >= 4 else { return nil }
            let count = u16(2)
            guard count <= limits.maxEncodings else {
                throw .tooManyEncodings(count: count, limit: limits.maxEncodings)
            }
            let length = 4 + 4 * count
            guard available >= length else { return nil }
            let list = (0..<count).map { Int32(bitPattern: u32(4 + 4 * $0)) }
            return (.setEncodings(list), length)
        case T.framebufferUpdateRequest:
            guard available >= 10 else { return nil }
            return (.framebufferUpdateRequest(incremental: u8(1) != 0, rect(2)), 10)
        case T.keyEvent:
            guard available >= 8 else { return nil }
            return (.keyEvent(down: u8(1) != 0, keysym: u32(4)), 8)
        case T.pointerEvent:
            guard available >= 6 else { return nil }
            return (.pointerEvent(buttons: u8(1), x: u16(2), y: u16(4)), 6)
        case T.clientCutText:
            return try parseCutText()
        case T.enableContinuousUpdates:
            guard available >= 10 else { return nil }
            return (.enableContinuousUpdates(enable: u8(1) != 0, rect(2)), 10)
        case T.clientFence:
            guard available >= 9 else { return nil }
            let length = Int(u8(8))
            // rfbproto: the payload is at most 64 bytes.
            guard length <= 64 else { throw .fencePayloadTooLong(length) }
            guard available >= 9 + length else { return nil }
            return (.clientFence(flags: u32(4), payload: Array(bytes(9, length))), 9 + length)
        case T.setDesktopSize:
            guard available >= 8 else { return nil }
            let count = Int(u8(6))
            guard count <= limits.maxScreens else {
                throw .tooManyScreens(count: count, limit: limits.maxScreens)
            }
            let length = 8 + 16 * count
            guard available >= length else { return nil }
            let screens = (0..<count).map { i in
                let o = 8 + 16 * i
                return ScreenLayout(id: u32(o), rect: rect(o + 4), flags: u32(o + 12))
            }
            return (.setDesktopSize(width: u16(2), height: u16(4), screens: screens), length)
        case T.qemu:
            guard available >= 2 else { return nil }
            guard u8(1) == 0 else { throw .unknownQEMUSubtype(u8(1)) }
            guard available >= 12 else { return nil }
            return (.qemuKeyEvent(down: u16(2) != 0, keysym: u32(4), keycode: u32(8)), 12)
        default:
            throw .unknownMessageType(type)
        }
    }

    private func parseCutText() throws(ParseError) -> (ClientMessage, Int)? {
        guard available >= 8 else { return nil }
        let signed = Int(Int32(bitPattern: u32(4)))
        // A negative length marks Extended Clipboard; its magnitude is the payload size.
        let length = signed.magnitude
        guard length <= limits.maxCutTextLength else {
            throw .cutTextTooLong(length: Int(length), limit: limits.maxCutTextLength)
        }
        let total = 8 + Int(length)
        guard available >= total else { return nil }
        let payload = bytes(8, Int(length))
        if signed >= 0 {
            // Latin-1: every byte is the Unicode scalar of the same value.
            var text = ""
            text.unicodeScalars.append(contentsOf: payload.map { Unicode.Scalar($0) })
            return (.clientCutText(text), total)
        }
        do {
            let message = try ExtendedClipboard.decode(payload, limit: limits.maxCutTextLength)
            return (.extendedClipboard(message), total)
        } catch {
            throw .invalidExtendedClipboard(error)
        }
    }

    private func pixelFormat(_ o: Int) throws(ParseError) -> PixelFormat {
        let format = PixelFormat(
            bitsPerPixel: u8(o), depth: u8(o + 1), bigEndian: u8(o + 2) != 0,
            trueColour: u8(o + 3) != 0, redMax: UInt16(u16(o + 4)),
            greenMax: UInt16(u16(o + 6)), blueMax: UInt16(u16(o + 8)), redShift: u8(o + 10),
            greenShift: u8(o + 11), blueShift: u8(o + 12))
        // Colour maps are not offered (no SetColourMapEntries); odd sizes cannot be packed.
        let shiftsFit = [format.redShift, format.greenShift, format.blueShift].allSatisfy {
            $0 < format.bitsPerPixel
        }
        guard format.trueColour, [8, 16, 32].contains(format.bitsPerPixel), shiftsFit else {
            throw .unsupportedPixelFormat(
                bitsPerPixel: format.bitsPerPixel, trueColour: format.trueColour)
        }
        return format
    }
}

/// Writes the server's messages on the wire (TigerVNC's `SMsgWriter`): wire format only, no
/// policy. Every function appends to `out`, so one buffer can gather a whole write.
public enum ServerMessageWriter {
    /// FramebufferUpdate header; `rectangleCount` rectangles (or 0xFFFF with LastRect) follow.
    public static func framebufferUpdateHeader(rectangleCount: Int, into out: inout [UInt8]) {
        out.append(RFBConstants.ServerMessageType.framebufferUpdate)
        out.append(0)
        appendU16(min(rectangleCount, 0xFFFF), to: &out)
    }

    /// A rectangle header: position, size and encoding.
    public static func rectangleHeader(_ rect: Rect, encoding: Int32, into out: inout [UInt8]) {
        appendU16(rect.x, to: &out)
        appendU16(rect.y, to: &out)
        appendU16(rect.width, to: &out)
        appendU16(rect.height, to: &out)
        appendU32(UInt32(bitPattern: encoding), to: &out)
    }

    /// Bell.
    public static func bell(into out: inout [UInt8]) {
        out.append(RFBConstants.ServerMessageType.bell)
    }

    /// ServerCutText with Latin-1 text; characters outside Latin-1 become `?`.
    public static func serverCutText(_ text: String, into out: inout [UInt8]) {
        let latin1 = text.unicodeScalars.map { $0.value < 256 ? UInt8($0.value) : 0x3F }
        cutTextHeader(length: Int32(clamping: latin1.count), into: &out)
        out.append(contentsOf: latin1)
    }

    /// ServerCutText carrying an Extended Clipboard message (negative length).
    public static func extendedClipboard(
        _ message: ExtendedClipboard.Message, into out: inout [UInt8]
    ) {
        let payload = ExtendedClipboard.encode(message)
        cutTextHeader(length: -Int32(clamping: payload.count), into: &out)
        out.append(contentsOf: payload)
    }

    /// EndOfContinuousUpdates: continuous updates stopped, or (first time) are supported.
    public static func endOfContinuousUpdates(into out: inout [UInt8]) {
        out.append(RFBConstants.ServerMessageType.endOfContinuousUpdates)
    }

    /// ServerFence with at most 64 payload bytes.
    public static func serverFence(flags: UInt32, payload: [UInt8], into out: inout [UInt8]) {
        precondition(payload.count <= 64)
        out.append(RFBConstants.ServerMessageType.serverFence)
        out.append(contentsOf: [0, 0, 0])
        appendU32(flags, to: &out)
        out.append(UInt8(payload.count))
        out.append(contentsOf: payload)
    }

    /// Cursor pseudo-rectangle: the image in the client's format and a 1-bit mask (opaque
    /// where alpha ≥ 128), rows padded to whole bytes.
    public static func cursor(_ cursor: CursorImage, format: PixelFormat, into out: inout [UInt8]) {
        let header = Rect(
            x: cursor.hotspotX, y: cursor.hotspotY, width: cursor.width, height: cursor.height)
        rectangleHeader(header, encoding: RFBConstants.Encoding.cursor, into: &out)
        for argb in cursor.pixels.prefix(cursor.width * cursor.height) {
            format.appendPixel(ofRGB: argb & 0x00FF_FFFF, to: &out)
        }
        let rowBytes = (cursor.width + 7) / 8
        for y in 0..<cursor.height {
            var row = [UInt8](repeating: 0, count: rowBytes)
            for x in 0..<cursor.width {
                let index = y * cursor.width + x
                if index < cursor.pixels.count, cursor.pixels[index] >> 24 >= 128 {
                    row[x / 8] |= 0x80 >> UInt8(x % 8)
                }
            }
            out.append(contentsOf: row)
        }
    }

    /// DesktopSize pseudo-rectangle: the framebuffer is now `width × height`.
    public static func desktopSize(width: Int, height: Int, into out: inout [UInt8]) {
        rectangleHeader(
            Rect(x: 0, y: 0, width: width, height: height),
            encoding: RFBConstants.Encoding.desktopSize, into: &out)
    }

    /// Why an ExtendedDesktopSize rectangle is sent (its x field).
    public enum DesktopSizeReason: Int, Sendable {
        case server = 0
        case thisClient = 1
        case otherClient = 2
    }

    /// The outcome of a SetDesktopSize (its y field).
    public enum DesktopSizeStatus: Int, Sendable {
        case success = 0
        case prohibited = 1
        case outOfResources = 2
        case invalidLayout = 3
    }

    /// ExtendedDesktopSize pseudo-rectangle with the screen layout.
    public static func extendedDesktopSize(
        reason: DesktopSizeReason, status: DesktopSizeStatus, width: Int, height: Int,
        screens: [ScreenLayout], into out: inout [UInt8]
    ) {
        rectangleHeader(
            Rect(x: reason.rawValue, y: status.rawValue, width: width, height: height),
            encoding: RFBConstants.Encoding.extendedDesktopSize, into: &out)
        out.append(UInt8(min(screens.count, 255)))
        out.append(contentsOf: [0, 0, 0])
        for screen in screens.prefix(255) {
            appendU32(screen.id, to: &out)
            appendU16(screen.rect.x, to: &out)
            appendU16(screen.rect.y, to: &out)
            appendU16(screen.rect.width, to: &out)
            appendU16(screen.rect.height, to: &out)
            appendU32(screen.flags, to: &out)
        }
    }

    /// LastRect pseudo-rectangle: ends an update sent with a count of 0xFFFF.
    public static func lastRect(into out: inout [UInt8]) {
        rectangleHeader(
            Rect(x: 0, y: 0, width: 0, height: 0), encoding: RFBConstants.Encoding.lastRect,
            into: &out)
    }

    /// An empty pseudo-rectangle that only says "I support `encoding`" (QEMU Extended Key
    /// Event is acknowledged this way).
    public static func acknowledge(pseudoEncoding encoding: Int32, into out: inout [UInt8]) {
        rectangleHeader(Rect(x: 0, y: 0, width: 0, height: 0), encoding: encoding, into: &out)
    }

    private static func cutTextHeader(length: Int32, into out: inout [UInt8]) {
        out.append(RFBConstants.ServerMessageType.serverCutText)
        out.append(contentsOf: [0, 0, 0])
        appendU32(UInt32(bitPattern: length), to: &out)
    }

    static func appendU16(_ value: Int, to out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: value >> 8))
        out.append(UInt8(truncatingIfNeeded: value))
    }

    static func appendU32(_ value: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: value >> 24))
        out.append(UInt8(truncatingIfNeeded: value >> 16))
        out.append(UInt8(truncatingIfNeeded: value >> 8))
        out.append(UInt8(truncatingIfNeeded: value))
    }
}

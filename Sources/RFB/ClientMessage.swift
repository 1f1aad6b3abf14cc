/// Everything an RFB client sends to a server, from the handshake on.
public enum ClientMessage: Hashable, Sendable {
    /// The version the client chose, e.g. 3.8.
    case protocolVersion(major: Int, minor: Int)
    /// The security type the client picked from the server's list (3.7 and later).
    case securityType(UInt8)
    /// The 16-byte DES response to the VNC Authentication challenge.
    case vncAuthResponse([UInt8])
    /// ClientInit: whether other viewers may stay connected.
    case clientInit(shared: Bool)
    /// SetPixelFormat.
    case setPixelFormat(PixelFormat)
    /// SetEncodings, in the client's order of preference.
    case setEncodings([Int32])
    /// FramebufferUpdateRequest.
    case framebufferUpdateRequest(incremental: Bool, Rect)
    /// KeyEvent with an X11 keysym.
    case keyEvent(down: Bool, keysym: UInt32)
    /// PointerEvent: button mask and position.
    case pointerEvent(buttons: UInt8, x: Int, y: Int)
    /// ClientCutText with a non-negative length: Latin-1 text.
    case clientCutText(String)
    /// ClientCutText with a negative length: an Extended Clipboard message.
    case extendedClipboard(ExtendedClipboard.Message)
    /// QEMU Extended Key Event: a keysym and an XT scancode.
    case qemuKeyEvent(down: Bool, keysym: UInt32, keycode: UInt32)
    /// EnableContinuousUpdates for an area, or disables them.
    case enableContinuousUpdates(enable: Bool, Rect)
    /// ClientFence: flags and up to 64 bytes the peer echoes back.
    case clientFence(flags: UInt32, payload: [UInt8])
    /// SetDesktopSize: the layout the client would like.
    case setDesktopSize(width: Int, height: Int, screens: [ScreenLayout])
}

/// One screen of an ExtendedDesktopSize / SetDesktopSize layout.
public struct ScreenLayout: Hashable, Sendable {
    public var id: UInt32
    public var rect: Rect
    public var flags: UInt32

    public init(id: UInt32, rect: Rect, flags: UInt32 = 0) {
        self.id = id
        self.rect = rect
        self.flags = flags
    }
}

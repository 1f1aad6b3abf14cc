/// Numbers of the RFB protocol in one table (noVNC's `encodings.js`), so no file spells a
/// magic number: message types, security types, encodings and pseudo-encodings.
public enum RFBConstants {
    /// Message types a client sends after initialisation.
    public enum ClientMessageType {
        public static let setPixelFormat: UInt8 = 0
        public static let setEncodings: UInt8 = 2
        public static let framebufferUpdateRequest: UInt8 = 3
        public static let keyEvent: UInt8 = 4
        public static let pointerEvent: UInt8 = 5
        public static let clientCutText: UInt8 = 6
        public static let enableContinuousUpdates: UInt8 = 150
        public static let clientFence: UInt8 = 248
        public static let setDesktopSize: UInt8 = 251
        /// QEMU client messages; subtype 0 is the Extended Key Event.
        public static let qemu: UInt8 = 255
    }

    /// Message types a server sends after initialisation.
    public enum ServerMessageType {
        public static let framebufferUpdate: UInt8 = 0
        public static let setColourMapEntries: UInt8 = 1
        public static let bell: UInt8 = 2
        public static let serverCutText: UInt8 = 3
        public static let endOfContinuousUpdates: UInt8 = 150
        public static let serverFence: UInt8 = 248
    }

    /// Security types of the handshake.
    public enum SecurityType {
        public static let invalid: UInt8 = 0
        public static let none: UInt8 = 1
        public static let vncAuthentication: UInt8 = 2
    }

    /// Encodings and pseudo-encodings listed in SetEncodings and written in rectangle headers.
    public enum Encoding {
        public static let raw: Int32 = 0
        public static let copyRect: Int32 = 1
        public static let rre: Int32 = 2
        public static let hextile: Int32 = 5
        public static let tight: Int32 = 7
        public static let zrle: Int32 = 16
        public static let tightPNG: Int32 = -260
        public static let cursor: Int32 = -239
        public static let desktopSize: Int32 = -223
        public static let lastRect: Int32 = -224
        public static let extendedDesktopSize: Int32 = -308
        public static let qemuExtendedKeyEvent: Int32 = -258
        public static let fence: Int32 = -312
        public static let continuousUpdates: Int32 = -313
        public static let desktopName: Int32 = -307
        /// `0xC0A1E5CE`: clipboard in UTF-8 and other formats, zlib-compressed.
        public static let extendedClipboard: Int32 = -1_063_131_698
    }

    /// Fence flags (ClientFence / ServerFence).
    public enum FenceFlags {
        public static let blockBefore: UInt32 = 1 << 0
        public static let blockAfter: UInt32 = 1 << 1
        public static let syncNext: UInt32 = 1 << 2
        public static let request: UInt32 = 1 << 31
        /// The flags a server understands; others are cleared in a fence response.
        public static let supported: UInt32 = blockBefore | blockAfter | syncNext | request
    }
}

/// Parses the bytes an RFB client sends into ``ClientMessage`` values (NIO's `WSParser`
/// style): feed bytes, then call ``next()`` until it answers ``Step/needMoreData``.
///
/// What comes next depends on the handshake, which the parser cannot see by itself (in 3.3
/// the server alone picks the security type), so its owner — ``ServerSession`` — says what
/// to expect with ``expect(_:)``. After an error the parser stays failed: the connection has
/// lost framing and must be closed.
public struct ClientMessageParser: Sendable {
    /// What the parser reads next.
    public enum Expectation: Hashable, Sendable {
        /// The 12-byte ProtocolVersion.
        case protocolVersion
        /// One security-type byte (3.7 and 3.8).
        case securityType
        /// The 16-byte VNC Authentication response.
        case vncAuthResponse
        /// The 1-byte ClientInit.
        case clientInit
        /// Normal messages after initialisation.
        case messages
    }

    /// The result of one parsing step.
    public enum Step: Hashable, Sendable {
        /// The buffered bytes do not hold a complete message yet.
        case needMoreData
        /// One complete message; call ``next()`` again for the next.
        case message(ClientMessage)
    }

    /// Why the client's bytes were refused. The connection must be closed.
    public enum ParseError: Error, Hashable, Sendable {
        case badProtocolVersion([UInt8])
        case unknownMessageType(UInt8)
        case unknownQEMUSubtype(UInt8)
        case unsupportedPixelFormat(bitsPerPixel: UInt8, trueColour: Bool)
        case tooManyEncodings(count: Int, limit: Int)
        case cutTextTooLong(length: Int, limit: Int)
        case invalidExtendedClipboard(ExtendedClipboard.DecodeError)
        case fencePayloadTooLong(Int)
        case tooManyScreens(count: Int, limit: Int)
        /// A message arrived in a phase where it cannot (the parser had already failed).
        case failed
    }

    /// Limits on what one client may make us hold.
    public struct Limits: Hashable, Sendable {
        /// Longest cut text (Latin-1 or Extended Clipboard payload, and the text inflated
        /// from a `provide`).
        public var maxCutTextLength: Int
        /// Most encodings in one SetEncodings.
        public var maxEncodings: Int
        /// Most screens in one SetDesktopSize.
        public var maxScreens: Int

        public init(maxCutTextLength: Int = 10 << 20, maxEncodings: Int = 512, maxScreens: Int = 16)
        {
            self.maxCutTextLength = maxCutTextLength
            self.maxEncodings = maxEncodings
            self.maxScreens = maxScreens
        }
    }

    /// The limits this parser enforces.
    public let limits: Limits
    private var expectation: Expectation
    private var failed = false
    private var buffer: [UInt8] = []
    private var readIndex = 0

    /// A parser that first expects `expectation` (a server starts at `.protocolVersion`).
    public init(expecting expectation: Expectation = .protocolVersion, limits: Limits = Limits()) {
        self.expectation = expectation
        self.limits = limits
    }

    /// What the parser reads next.
    public var expecting: Expectation { expectation }

    /// Bytes received but not consumed by a message yet.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Tells the parser what comes next; called by the session as the handshake advances.
    public mutating func expect(_ expectation: Expectation) {
        self.expectation = expectation
    }

    /// Appends bytes received from the client.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if readIndex > 0 && readIndex >= buffer.count / 2 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Takes every buffered, unparsed byte (for a gateway that forwards them unparsed).
    public mutating func drainBufferedBytes() -> [UInt8] {
        let rest = Array(buffer[readIndex...])
        buffer.removeAll(keepingCapacity: false)
        readIndex = 0
        return rest
    }

    /// Parses the next complete message out of the buffered bytes.
    public mutating func next() throws(ParseError) -> Step {
        guard !failed else { throw .failed }
        do {
            guard let (message, length) = try parse() else { return .needMoreData }
            readIndex += length
            return .message(message)
        } catch {
            failed = true
            throw error
        }
    }

    var available: Int { buffer.count - readIndex }

    func u8(_ offset: Int) -> UInt8 { buffer[readIndex + offset] }

    func u16(_ offset: Int) -> Int {
        Int(buffer[readIndex + offset]) << 8 | Int(buffer[readIndex + offset + 1])
    }

    func u32(_ offset: Int) -> UInt32 {
        let i = readIndex + offset
        return UInt32(buffer[i]) << 24 | UInt32(buffer[i + 1]) << 16 | UInt32(buffer[i + 2]) << 8
            | UInt32(buffer[i + 3])
    }

    func bytes(_ offset: Int, _ count: Int) -> ArraySlice<UInt8> {
        buffer[(readIndex + offset)..<(readIndex + offset + count)]
    }

    func rect(_ offset: Int) -> Rect {
        Rect(x: u16(offset), y: u16(offset + 2), width: u16(offset + 4), height: u16(offset + 6))
    }

    /// The message at the read index and its length, or nil when it is incomplete.
    private func parse() throws(ParseError) -> (ClientMessage, Int)? {
        switch expectation {
        case .protocolVersion:
            guard available >= 12 else { return nil }
            return (try parseVersion(Array(bytes(0, 12))), 12)
        case .securityType:
            guard available >= 1 else { return nil }
            return (.securityType(u8(0)), 1)
        case .vncAuthResponse:
            guard available >= 16 else { return nil }
            return (.vncAuthResponse(Array(bytes(0, 16))), 16)
        case .clientInit:
            guard available >= 1 else { return nil }
            return (.clientInit(shared: u8(0) != 0), 1)
        case .messages:
            guard available >= 1 else { return nil }
            return try parseMessage()
        }
    }

    private func parseVersion(_ raw: [UInt8]) throws(ParseError) -> ClientMessage {
        let digits = { (range: Range<Int>) -> Int? in
            var value = 0
            for byte in raw[range] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard raw[0..<4] == [0x52, 0x46, 0x42, 0x20], raw[7] == 0x2E, raw[11] == 0x0A,
            let major = digits(4..<7), let minor = digits(8..<11)
        else { throw .badProtocolVersion(raw) }
        return .protocolVersion(major: major, minor: minor)
    }
}

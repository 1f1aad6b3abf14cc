/// The server side of an RFB connection as a state machine (TigerVNC's `SConnection`, NIO's
/// `…StateMachine` style): bytes from the client go in, actions come out — bytes to send,
/// messages to act on, or a reason to close. It owns the handshake (version 3.3/3.7/3.8,
/// security None or VNC Authentication, ClientInit/ServerInit) and, afterwards, the
/// client's pixel format and encodings; policy (what to send when) lives with its owner.
public struct ServerSession: Sendable {
    /// How the client must prove itself.
    public enum Security: Hashable, Sendable {
        /// No authentication (security type 1).
        case none
        /// VNC Authentication (type 2) with this password (only its first 8 bytes count).
        case vncPassword(String)
    }

    /// What the session announces and enforces.
    public struct Configuration: Sendable {
        /// The desktop name in ServerInit.
        public var name: String
        public var security: Security
        /// The framebuffer size announced in ServerInit.
        public var width: Int
        public var height: Int
        /// The server's native pixel format announced in ServerInit.
        public var pixelFormat: PixelFormat
        /// When true (a gateway), bytes after ClientInit are handed on unparsed.
        public var handshakeOnly: Bool
        public var limits: ClientMessageParser.Limits

        public init(
            name: String, security: Security, width: Int, height: Int,
            pixelFormat: PixelFormat = .rgb888, handshakeOnly: Bool = false,
            limits: ClientMessageParser.Limits = .init()
        ) {
            self.name = name
            self.security = security
            self.width = width
            self.height = height
            self.pixelFormat = pixelFormat
            self.handshakeOnly = handshakeOnly
            self.limits = limits
        }
    }

    /// What the owner must do.
    public enum Action: Hashable, Sendable {
        /// Write these bytes to the client.
        case send([UInt8])
        /// The handshake is done (ServerInit was sent); normal messages follow.
        case initialised(shared: Bool)
        /// A normal message to act on (the session already tracked format and encodings).
        case message(ClientMessage)
        /// Raw client bytes after ClientInit (``Configuration/handshakeOnly`` only).
        case passthrough([UInt8])
        /// Close the connection, after writing anything sent before.
        case close(reason: String)
    }

    private enum State: Sendable {
        case idle
        case awaitingVersion
        case awaitingSecurityType(minor: Int)
        case awaitingAuthResponse(minor: Int)
        case awaitingClientInit
        case running
        case closed
    }

    /// The session's settings; `width`/`height` may change until ServerInit is sent.
    public var configuration: Configuration
    /// The pixel format the client asked for (the server's until SetPixelFormat).
    public private(set) var pixelFormat: PixelFormat
    /// The encodings the client listed (empty until SetEncodings).
    public private(set) var encodingSettings = EncodingSettings()
    /// The protocol minor version agreed (3, 7 or 8), once known.
    public private(set) var minorVersion: Int?
    private var state = State.idle
    private var parser: ClientMessageParser
    private let challenge: [UInt8]

    /// A session; `challenge` is the 16 random bytes for VNC Authentication (injectable so
    /// tests are deterministic).
    public init(configuration: Configuration, challenge: [UInt8] = ServerSession.randomChallenge())
    {
        precondition(challenge.count == VNCAuthentication.challengeLength)
        self.configuration = configuration
        self.pixelFormat = configuration.pixelFormat
        self.challenge = challenge
        self.parser = ClientMessageParser(expecting: .protocolVersion, limits: configuration.limits)
    }

    /// 16 bytes from the system's secure random source.
    public static func randomChallenge() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<VNCAuthentication.challengeLength).map { _ in
            UInt8.random(in: .min ... .max, using: &generator)
        }
    }

    /// True once ServerInit has been sent.
    public var isInitialised: Bool {
        if case .running = state { return true }
        return false
    }

    /// Starts the handshake: the server speaks first with its ProtocolVersion.
    public mutating func start() -> [Action] {
        guard case .idle = state else { return [] }
        state = .awaitingVersion
        return [.send(Array("RFB 003.008\n".utf8))]
    }

    /// Handles bytes from the client.
    public mutating func receive<Bytes: Sequence>(_ bytes: Bytes) -> [Action]
    where Bytes.Element == UInt8 {
        switch state {
        case .closed, .idle:
            return []
        case .running where configuration.handshakeOnly:
            let raw = Array(bytes)
            return raw.isEmpty ? [] : [.passthrough(raw)]
        default:
            break
        }
        parser.feed(bytes)
        var actions: [Action] = []
        while true {
            let step: ClientMessageParser.Step
            do {
                step = try parser.next()
            } catch {
                state = .closed
                actions.append(.close(reason: "protocol error: \(error)"))
                return actions
            }
            guard case .message(let message) = step else { break }
            actions += handle(message)
            if case .closed = state { return actions }
            if case .running = state, configuration.handshakeOnly {
                let rest = parser.drainBufferedBytes()
                if !rest.isEmpty { actions.append(.passthrough(rest)) }
                return actions
            }
        }
        return actions
    }

    private mutating func handle(_ message: ClientMessage) -> [Action] {
        switch (state, message) {
        case (.awaitingVersion, .protocolVersion(let major, let minor)):
            return chooseVersion(major: major, minor: minor)
        case (.awaitingSecurityType(let minor), .securityType(let type)):
            return chooseSecurity(type, minor: minor)
        case (.awaitingAuthResponse(let minor), .vncAuthResponse(let response)):
            return checkResponse(response, minor: minor)
        case (.awaitingClientInit, .clientInit(let shared)):
            return serverInit(shared: shared)
        case (.running, _):
            track(message)
            return [.message(message)]
        default:
            // The parser only yields what was expected; anything else is a bug to close on.
            state = .closed
            return [.close(reason: "unexpected \(message)")]
        }
    }

    private mutating func chooseVersion(major: Int, minor: Int) -> [Action] {
        guard major == 3 else {
            state = .closed
            return [.close(reason: "unsupported protocol version \(major).\(minor)")]
        }
        // rfbproto: 3.5 is a mistaken 3.3; anything newer than 3.8 speaks 3.8.
        let agreed = minor >= 8 ? 8 : (minor == 7 ? 7 : 3)
        minorVersion = agreed
        let type = securityTypeNumber
        if agreed == 3 {
            // 3.3: the server decides and sends the type as a U32.
            var out: [UInt8] = []
            ServerMessageWriter.appendU32(UInt32(type), to: &out)
            return enterSecurity(type, minor: agreed, prefix: out)
        }
        state = .awaitingSecurityType(minor: agreed)
        parser.expect(.securityType)
        return [.send([1, type])]
    }

    private var securityTypeNumber: UInt8 {
        switch configuration.security {
        case .none: return RFBConstants.SecurityType.none
        case .vncPassword: return RFBConstants.SecurityType.vncAuthentication
        }
    }

    private mutating func chooseSecurity(_ type: UInt8, minor: Int) -> [Action] {
        guard type == securityTypeNumber else {
            return fail(reason: "security type \(type) was not offered", minor: minor)
        }
        return enterSecurity(type, minor: minor, prefix: [])
    }

    private mutating func enterSecurity(_ type: UInt8, minor: Int, prefix: [UInt8]) -> [Action] {
        if type == RFBConstants.SecurityType.vncAuthentication {
            state = .awaitingAuthResponse(minor: minor)
            parser.expect(.vncAuthResponse)
            return [.send(prefix + challenge)]
        }
        state = .awaitingClientInit
        parser.expect(.clientInit)
        // Only 3.8 sends a SecurityResult after security type None.
        let result: [UInt8] = minor >= 8 ? [0, 0, 0, 0] : []
        let out = prefix + result
        return out.isEmpty ? [] : [.send(out)]
    }

    private mutating func checkResponse(_ response: [UInt8], minor: Int) -> [Action] {
        guard case .vncPassword(let password) = configuration.security,
            VNCAuthentication.verify(response: response, challenge: challenge, password: password)
        else { return fail(reason: "authentication failed", minor: minor) }
        state = .awaitingClientInit
        parser.expect(.clientInit)
        return [.send([0, 0, 0, 0])]
    }

    /// SecurityResult "failed", with the reason string from 3.8 on, then close.
    private mutating func fail(reason: String, minor: Int) -> [Action] {
        state = .closed
        var out: [UInt8] = [0, 0, 0, 1]
        if minor >= 8 {
            let text = Array(reason.utf8)
            ServerMessageWriter.appendU32(UInt32(text.count), to: &out)
            out += text
        }
        return [.send(out), .close(reason: reason)]
    }

    private mutating func serverInit(shared: Bool) -> [Action] {
        var out: [UInt8] = []
        ServerMessageWriter.appendU16(configuration.width, to: &out)
        ServerMessageWriter.appendU16(configuration.height, to: &out)
        let f = configuration.pixelFormat
        out += [f.bitsPerPixel, f.depth, f.bigEndian ? 1 : 0, f.trueColour ? 1 : 0]
        ServerMessageWriter.appendU16(Int(f.redMax), to: &out)
        ServerMessageWriter.appendU16(Int(f.greenMax), to: &out)
        ServerMessageWriter.appendU16(Int(f.blueMax), to: &out)
        out += [f.redShift, f.greenShift, f.blueShift, 0, 0, 0]
        let name = Array(configuration.name.utf8)
        ServerMessageWriter.appendU32(UInt32(name.count), to: &out)
        out += name
        state = .running
        parser.expect(.messages)
        return [.send(out), .initialised(shared: shared)]
    }

    private mutating func track(_ message: ClientMessage) {
        switch message {
        case .setPixelFormat(let format):
            pixelFormat = format
        case .setEncodings(let list):
            encodingSettings = EncodingSettings(fromSetEncodings: list)
        default:
            break
        }
    }
}

/// The client side of the RFB handshake, for a gateway that talks to an existing VNC server
/// (x11vnc, macOS Screen Sharing, wayvnc) on the viewer's behalf: version, security None or
/// VNC Authentication, ClientInit (shared), ServerInit. After ``Action/done(_:leftover:)``
/// the gateway relays bytes unchanged.
public struct HandshakeClient: Sendable {
    /// The server's ServerInit.
    public struct ServerInit: Hashable, Sendable {
        public var width: Int
        public var height: Int
        public var pixelFormat: PixelFormat
        public var name: String
    }

    /// What the owner must do.
    public enum Action: Hashable, Sendable {
        /// Write these bytes to the server.
        case send([UInt8])
        /// The handshake is complete; `leftover` are server bytes that followed ServerInit.
        case done(ServerInit, leftover: [UInt8])
        /// The handshake failed; close the connection.
        case fail(String)
    }

    private enum State: Sendable {
        case version, securityTypes, securityType33, challenge, securityResult, serverInit, done,
            failed
    }

    private var state = State.version
    private var buffer: [UInt8] = []
    private var minor = 8
    private let password: String?
    private let maxNameLength: Int

    /// A client that answers VNC Authentication with `password` (nil: only None is accepted).
    public init(password: String?, maxNameLength: Int = 4096) {
        self.password = password
        self.maxNameLength = maxNameLength
    }

    /// Handles bytes from the server.
    public mutating func receive<Bytes: Sequence>(_ bytes: Bytes) -> [Action]
    where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        var actions: [Action] = []
        while let step = self.step() {
            actions += step
            if case .done = state { break }
            if case .failed = state { break }
        }
        return actions
    }

    private func u32(_ i: Int) -> Int {
        Int(buffer[i]) << 24 | Int(buffer[i + 1]) << 16 | Int(buffer[i + 2]) << 8
            | Int(buffer[i + 3])
    }

    private mutating func consume(_ count: Int) { buffer.removeFirst(count) }

    private mutating func failure(_ reason: String) -> [Action] {
        state = .failed
        return [.fail(reason)]
    }

    /// One step of the handshake, or nil when more bytes are needed.
    private mutating func step() -> [Action]? {
        switch state {
        case .version:
            guard buffer.count >= 12 else { return nil }
            let text = String(decoding: buffer[0..<12], as: UTF8.self)
            consume(12)
            guard text.hasPrefix("RFB 003."), text.hasSuffix("\n"),
                let serverMinor = Int(text.dropFirst(8).prefix(3))
            else { return failure("not an RFB server: \(text.debugDescription)") }
            minor = serverMinor >= 8 ? 8 : (serverMinor == 7 ? 7 : 3)
            state = minor == 3 ? .securityType33 : .securityTypes
            return [.send(Array(String(format: minor).utf8))]
        case .securityTypes:
            guard let count = buffer.first else { return nil }
            if count == 0 { return reasonFailure(offset: 1, prefix: "server refused") }
            guard buffer.count >= 1 + Int(count) else { return nil }
            let types = Array(buffer[1...Int(count)])
            consume(1 + Int(count))
            if password != nil, types.contains(RFBConstants.SecurityType.vncAuthentication) {
                state = .challenge
                return [.send([RFBConstants.SecurityType.vncAuthentication])]
            }
            guard types.contains(RFBConstants.SecurityType.none) else {
                return failure("no usable security type in \(types)")
            }
            state = minor >= 8 ? .securityResult : .serverInit
            return [.send([RFBConstants.SecurityType.none])] + (minor >= 8 ? [] : clientInit())
        case .securityType33:
            guard buffer.count >= 4 else { return nil }
            let type = u32(0)
            if type == 0 { return reasonFailure(offset: 4, prefix: "server refused") }
            consume(4)
            if type == Int(RFBConstants.SecurityType.vncAuthentication), password != nil {
                state = .challenge
                return []
            }
            guard type == Int(RFBConstants.SecurityType.none) else {
                return failure("unusable security type \(type)")
            }
            state = .serverInit
            return clientInit()
        case .challenge:
            guard buffer.count >= 16 else { return nil }
            let challenge = Array(buffer[0..<16])
            consume(16)
            state = .securityResult
            return [
                .send(
                    VNCAuthentication.response(challenge: challenge, password: password ?? ""))
            ]
        case .securityResult:
            guard buffer.count >= 4 else { return nil }
            if u32(0) != 0 {
                guard minor >= 8 else { return failure("authentication failed") }
                return reasonFailure(offset: 4, prefix: "authentication failed")
            }
            consume(4)
            state = .serverInit
            return clientInit()
        case .serverInit:
            guard buffer.count >= 24 else { return nil }
            let nameLength = u32(20)
            guard nameLength <= maxNameLength else { return failure("desktop name too long") }
            guard buffer.count >= 24 + nameLength else { return nil }
            let b = buffer
            let format = PixelFormat(
                bitsPerPixel: b[4], depth: b[5], bigEndian: b[6] != 0, trueColour: b[7] != 0,
                redMax: UInt16(b[8]) << 8 | UInt16(b[9]),
                greenMax: UInt16(b[10]) << 8 | UInt16(b[11]),
                blueMax: UInt16(b[12]) << 8 | UInt16(b[13]), redShift: b[14], greenShift: b[15],
                blueShift: b[16])
            let serverInit = ServerInit(
                width: Int(b[0]) << 8 | Int(b[1]), height: Int(b[2]) << 8 | Int(b[3]),
                pixelFormat: format,
                name: String(decoding: b[24..<(24 + nameLength)], as: UTF8.self))
            consume(24 + nameLength)
            state = .done
            let leftover = buffer
            buffer = []
            return [.done(serverInit, leftover: leftover)]
        case .done, .failed:
            return nil
        }
    }

    /// A failure whose reason string (U32 length + text) starts at `offset`.
    private mutating func reasonFailure(offset: Int, prefix: String) -> [Action]? {
        guard buffer.count >= offset + 4 else { return nil }
        let length = min(u32(offset), 4096)
        guard buffer.count >= offset + 4 + length else { return nil }
        let reason = String(decoding: buffer[(offset + 4)..<(offset + 4 + length)], as: UTF8.self)
        return failure("\(prefix): \(reason)")
    }

    private func clientInit() -> [Action] { [.send([1])] }
}

extension String {
    /// "RFB 003.00N\n" for a minor version.
    fileprivate init(format minor: Int) {
        self = "RFB 003.00\(minor)\n"
    }
}

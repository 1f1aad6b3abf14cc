import RFB

/// Everything `tsunagu-agent run` was told, checked once, in the agent's own terms.
public struct AgentConfiguration: Sendable {
    /// Whether the customer must accept each session.
    public enum Mode: String, Sendable, CaseIterable {
        case attended
        case unattended
    }

    /// Where the screen comes from.
    public enum ScreenChoice: Sendable, Hashable {
        /// The X server on this display (nil: `$DISPLAY`).
        case x11(display: String?)
        /// An existing VNC server the agent bridges to.
        case vncServer(HostPort)
    }

    /// A `HOST:PORT` pair (`[::1]:5900` for IPv6).
    public struct HostPort: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// Parses `HOST:PORT`; the port must be 0–65535.
        public init(parsing text: String) throws(ConfigurationError) {
            guard let colon = text.lastIndex(of: ":"),
                let port = Int(text[text.index(after: colon)...]),
                (0...65535).contains(port)
            else { throw .badAddress(text) }
            var host = String(text[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") {
                host = String(host.dropFirst().dropLast())
            }
            guard !host.isEmpty else { throw .badAddress(text) }
            self.init(host: host, port: port)
        }

        /// True for addresses only this machine can reach.
        public var isLoopback: Bool {
            host == "localhost" || host == "::1" || host.hasPrefix("127.")
        }

        public var description: String {
            host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }

    /// Why the options do not make a working agent.
    public enum ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
        case badAddress(String)
        case passwordRequiredForListener(HostPort)
        case missing(String)

        public var description: String {
            switch self {
            case .badAddress(let text): return "not a HOST:PORT address: \(text)"
            case .passwordRequiredForListener(let address):
                return "--listen-vnc \(address) is reachable from other machines: give "
                    + "--vnc-password-file or --password-stdin"
            case .missing(let what): return "missing \(what)"
            }
        }
    }

    /// The control plane's URL (`--server`); nil runs the local listener only.
    public var server: String?
    public var company: String?
    public var name: String?
    /// The device's connection password (`--password-stdin`).
    public var connectionPassword: String?
    public var enrollToken: String?
    public var screen: ScreenChoice
    public var mode: Mode
    public var stateDirectory: String
    /// The server's pinned identity (`--server-key`).
    public var serverKey: String?
    /// Where to serve VNC locally (`--listen-vnc`).
    public var listenVNC: HostPort?
    /// The local listener's VNC password (`--vnc-password-file`).
    public var vncPassword: String?
    /// The password of the VNC server bridged to (`--backend-password-file`, else
    /// `--vnc-password-file`).
    public var backendPassword: String?
    /// Capture rate while a viewer wants frames.
    public var framesPerSecond: Int
    /// Asks the customer in attended mode; exit 0 means yes (default: an xmessage dialog).
    public var consentCommand: String?
    /// The folders the files channel serves (`--files-root`, repeatable); empty means the
    /// home folder of the user the agent runs as.
    public var filesRoots: [String] = []
    /// False (`--no-files`): offers of the files channel are refused `channel_disabled`.
    public var filesEnabled = true
    /// False (`--no-terminal`): offers of the terminal channel are refused `channel_disabled`.
    public var terminalEnabled = true

    public init(
        server: String? = nil, company: String? = nil, name: String? = nil,
        connectionPassword: String? = nil, enrollToken: String? = nil,
        screen: ScreenChoice = .x11(display: nil), mode: Mode = .attended,
        stateDirectory: String = "./tsunagu-agent-state", serverKey: String? = nil,
        listenVNC: HostPort? = nil, vncPassword: String? = nil, backendPassword: String? = nil,
        framesPerSecond: Int = 60, consentCommand: String? = nil
    ) {
        self.server = server
        self.company = company
        self.name = name
        self.connectionPassword = connectionPassword
        self.enrollToken = enrollToken
        self.screen = screen
        self.mode = mode
        self.stateDirectory = stateDirectory
        self.serverKey = serverKey
        self.listenVNC = listenVNC
        self.vncPassword = vncPassword
        self.backendPassword = backendPassword
        self.framesPerSecond = framesPerSecond
        self.consentCommand = consentCommand
    }

    /// How local viewers must authenticate: the VNC password, else the connection password,
    /// else none — allowed only on loopback.
    public var listenerSecurity: ServerSession.Security {
        if let password = vncPassword ?? connectionPassword { return .vncPassword(password) }
        return .none
    }

    /// Checks the combination of options.
    public func validate() throws(ConfigurationError) {
        if let listen = listenVNC, !listen.isLoopback, case .none = listenerSecurity {
            throw .passwordRequiredForListener(listen)
        }
        if server != nil {
            guard company != nil else { throw .missing("--company") }
            guard name != nil else { throw .missing("--name") }
        }
        if server == nil && listenVNC == nil {
            throw .missing("--server or --listen-vnc (nothing to serve)")
        }
    }
}

import Foundation

/// Everything `tsunagu-server` needs to start, from flags and `TSUNAGU_*` variables.
public struct ServerConfiguration: Sendable {
    /// Where the control plane keeps its records.
    public enum DatabaseLocation: Sendable, Equatable {
        /// The embedded default: one SQLite file.
        case sqlite(path: String)
        /// PostgreSQL, for several server instances.
        case postgres(url: String)
    }

    /// A certificate chain and key in PEM files.
    public struct TLSFiles: Sendable, Equatable {
        public var certificatePath: String
        public var keyPath: String

        public init(certificatePath: String, keyPath: String) {
            self.certificatePath = certificatePath
            self.keyPath = keyPath
        }
    }

    public var dataDirectory: String
    public var database: DatabaseLocation
    public var listenHost: String
    public var listenPort: Int
    public var publicURL: String?
    public var tls: TLSFiles?
    public var embeddedRelay: Bool
    /// This instance's name among several sharing one database; nil reads (or makes) the one
    /// kept in the data directory. It names the embedded relay (`embedded-ID`) and tells the
    /// others where an agent's control connection is.
    public var instanceID: String?
    /// Proxies (e.g. the TLS-terminating one) whose `Forwarded` / `X-Forwarded-For` headers
    /// name the client; nobody else's are believed.
    public var trustedProxies: [AddressRange]
    /// How long an agent's upgraded control connection may take to prove its device before
    /// it is closed.
    public var agentHelloTimeout: Duration
    /// bcrypt cost for operator and connection passwords.
    public var passwordCost: Int
    public var loginPolicy: LoginPolicy
    /// How long a login stays valid.
    public var loginLifetime: TimeInterval
    /// Largest request body accepted, in bytes.
    public var maxBodySize: Int
    /// noVNC's installed folder, served at `/novnc/` for the console's viewer.
    public var novncDirectory: String
    /// xterm.js as one ES module (`xterm.mjs`, `xterm.css`), served at `/xterm/` for the
    /// console's terminal; `scripts/install-deps` builds it from Debian's node-xterm.
    public var xtermDirectory: String
    /// The web console's files (`Public/`); nil looks in `./Public`, then beside the executable.
    public var publicDirectory: String?
    /// Deadlines and size limits of the HTTP front (`--header-timeout`, `--max-connections-per-address`).
    public var httpLimits: HTTPLimits

    public init(
        dataDirectory: String = "./tsunagu-data", database: DatabaseLocation? = nil,
        listenHost: String = "127.0.0.1", listenPort: Int = 8080, publicURL: String? = nil,
        tls: TLSFiles? = nil, embeddedRelay: Bool = true, instanceID: String? = nil,
        trustedProxies: [AddressRange] = [], agentHelloTimeout: Duration = .seconds(15),
        passwordCost: Int = 10,
        loginPolicy: LoginPolicy = .init(), loginLifetime: TimeInterval = 12 * 3600,
        maxBodySize: Int = 64 * 1024, novncDirectory: String = "/usr/share/novnc",
        xtermDirectory: String = "/usr/local/share/tsunagu/xterm",
        publicDirectory: String? = nil, httpLimits: HTTPLimits = .init()
    ) {
        self.dataDirectory = dataDirectory
        self.database =
            database
            ?? .sqlite(
                path: URL(fileURLWithPath: dataDirectory).appendingPathComponent("tsunagu.sqlite")
                    .path)
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.publicURL = publicURL
        self.tls = tls
        self.embeddedRelay = embeddedRelay
        self.instanceID = instanceID
        self.trustedProxies = trustedProxies
        self.agentHelloTimeout = agentHelloTimeout
        self.passwordCost = passwordCost
        self.loginPolicy = loginPolicy
        self.loginLifetime = loginLifetime
        self.maxBodySize = maxBodySize
        self.novncDirectory = novncDirectory
        self.xtermDirectory = xtermDirectory
        self.publicDirectory = publicDirectory
        self.httpLimits = httpLimits
    }

    /// Why a configuration cannot start.
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// True when cookies must be `Secure`: we serve TLS or sit behind an https URL.
    public var servesHTTPS: Bool {
        tls != nil || (publicURL?.lowercased().hasPrefix("https://") ?? false)
    }

    /// Refuses settings that would put passwords on a network in clear.
    public func validate() throws {
        guard (1...65535).contains(listenPort) || listenPort == 0 else {
            throw Invalid(description: "--listen: port \(listenPort) is out of range")
        }
        if tls == nil && !Self.isLoopback(listenHost) {
            throw Invalid(
                description: """
                    refusing to listen on \(listenHost):\(listenPort) without TLS: operator and \
                    connection passwords would cross the network in clear. Give --tls-cert and \
                    --tls-key, or listen on 127.0.0.1 behind a TLS-terminating proxy. \
                    / TLS なしで \(listenHost) では待ち受けません。--tls-cert と --tls-key を指定してください。
                    """)
        }
        if let instanceID, !Self.isValidInstanceID(instanceID) {
            throw Invalid(
                description: "--instance-id: use 1–40 lower-case letters, digits, '-', '_' or '.'")
        }
        if passwordCost < 10 {
            throw Invalid(description: "password hash cost must be at least 10")
        }
    }

    /// Instance ids: 1–40 of lower-case letters, digits, `-`, `_`, `.` (they become part of a
    /// relay id).
    public static func isValidInstanceID(_ id: String) -> Bool {
        id.count <= 40 && RelayDirectory.isValidID(id)
    }

    /// Loopback addresses: `localhost`, 127.0.0.0/8 and `::1`.
    public static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return h == "localhost" || h == "::1" || h.hasPrefix("127.")
    }

    /// Splits `HOST:PORT` (`[v6]:PORT` too).
    public static func parseHostPort(_ text: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...])
        else {
            throw Invalid(description: "expected HOST:PORT, got \(text)")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw Invalid(description: "expected HOST:PORT, got \(text)") }
        return (host, port)
    }
}

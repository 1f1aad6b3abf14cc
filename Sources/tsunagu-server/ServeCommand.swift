import ArgumentParser
import ControlPlane
import Foundation

/// `tsunagu-server serve`: runs the control plane until SIGTERM or Ctrl+C.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the control plane. / 管理サーバを起動します。")

    @OptionGroup var storage: StorageOptions

    @Option(help: "HOST:PORT to listen on (env TSUNAGU_LISTEN). Default 127.0.0.1:8080")
    var listen: String?

    @Option(help: "The URL operators and agents use to reach this server (env TSUNAGU_PUBLIC_URL)")
    var publicURL: String?

    @Option(help: "PEM certificate chain for HTTPS (env TSUNAGU_TLS_CERT)")
    var tlsCert: String?

    @Option(help: "PEM private key for HTTPS (env TSUNAGU_TLS_KEY)")
    var tlsKey: String?

    @Option(help: "noVNC folder for the console (env TSUNAGU_NOVNC_DIR)")
    var novncDir: String?

    @Option(help: "xterm.js folder for the console's terminal (env TSUNAGU_XTERM_DIR)")
    var xtermDir: String?

    @Option(help: "The web console's folder (env TSUNAGU_PUBLIC_DIR). Default ./Public")
    var publicDir: String?

    @Option(
        help: """
            This instance's id among several sharing one PostgreSQL database (env \
            TSUNAGU_INSTANCE_ID). Default: made at first start and kept in the data directory
            """)
    var instanceID: String?

    @Option(
        help: """
            A proxy in front of this server (CIDR or address, repeatable; env \
            TSUNAGU_TRUSTED_PROXIES, comma-separated). Only its X-Forwarded-For / Forwarded \
            headers are believed, so throttles and logs see each client's own address
            """)
    var trustedProxy: [String] = []

    @Option(help: "Seconds an agent's control connection may take to prove its device. Default 15")
    var helloTimeout: Double = 15

    @Flag(help: "Do not run the in-process relay; sessions use external tsunagu-relay servers.")
    var noEmbeddedRelay = false

    @Option(help: "Seconds a client has to send a request head before it is cut off. Default 10")
    var headerTimeout: Double = 10

    @Option(
        help: "Connections one address may hold open before sending a first request. Default 64")
    var maxConnectionsPerAddress = 64

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        let (host, port) = try ServerConfiguration.parseHostPort(
            listen ?? env["TSUNAGU_LISTEN"] ?? "127.0.0.1:8080")
        let cert = tlsCert ?? env["TSUNAGU_TLS_CERT"]
        let key = tlsKey ?? env["TSUNAGU_TLS_KEY"]
        guard (cert == nil) == (key == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        let proxyTexts =
            trustedProxy.isEmpty
            ? (env["TSUNAGU_TRUSTED_PROXIES"] ?? "").split(separator: ",").map(String.init)
            : trustedProxy
        let proxies = try proxyTexts.map { text in
            guard let range = AddressRange(text) else {
                throw ValidationError("--trusted-proxy: \(text) is not an address or CIDR range")
            }
            return range
        }
        guard headerTimeout > 0, maxConnectionsPerAddress > 0 else {
            throw ValidationError(
                "--header-timeout and --max-connections-per-address must be positive")
        }
        let configuration = ServerConfiguration(
            dataDirectory: storage.resolvedDataDir, database: storage.resolvedDatabase,
            listenHost: host, listenPort: port, publicURL: publicURL ?? env["TSUNAGU_PUBLIC_URL"],
            tls: cert.flatMap { c in key.map { .init(certificatePath: c, keyPath: $0) } },
            embeddedRelay: !noEmbeddedRelay, instanceID: instanceID ?? env["TSUNAGU_INSTANCE_ID"],
            trustedProxies: proxies, agentHelloTimeout: .milliseconds(Int64(helloTimeout * 1000)),
            novncDirectory: novncDir ?? env["TSUNAGU_NOVNC_DIR"] ?? "/usr/share/novnc",
            xtermDirectory: xtermDir ?? env["TSUNAGU_XTERM_DIR"]
                ?? "/usr/local/share/tsunagu/xterm",
            publicDirectory: publicDir ?? env["TSUNAGU_PUBLIC_DIR"],
            httpLimits: HTTPLimits(
                requestHeadTimeout: .milliseconds(Int64(headerTimeout * 1000)),
                maxConnectionsInHeadPerAddress: maxConnectionsPerAddress))
        do {
            try configuration.validate()
        } catch let error as ServerConfiguration.Invalid {
            throw ValidationError(error.description)
        }

        bootstrapLogging(.info)
        try await ControlPlaneApplication.serve(configuration) { context in
            let banner = Self.banner(configuration, serverKey: context.identity.publicKeyText)
            // Written unbuffered so `make run` and log files show it at once.
            FileHandle.standardOutput.write(Data((banner + "\n").utf8))
        }
    }

    static func banner(_ c: ServerConfiguration, serverKey: String) -> String {
        let scheme = c.tls == nil ? "http" : "https"
        let host = c.listenHost.contains(":") ? "[\(c.listenHost)]" : c.listenHost
        let url = c.publicURL ?? "\(scheme)://\(host):\(c.listenPort)"
        let database: String
        switch c.database {
        case .sqlite(let path): database = "SQLite \(path)"
        case .postgres: database = "PostgreSQL"
        }
        return """
            Tsunagu control plane: \(url)   (data: \(c.dataDirectory), database: \(database))
            Open the console / コンソール: \(url)/
            Server key for agents (--server-key) / エージェント用サーバ鍵: \(serverKey)
            Create a company and its first admin / 会社と最初の管理者を作成:
              tsunagu-server tenant create --company DEMO --name "Demo Co." --seats 5
              printf '%s' 'choose-a-long-password' | tsunagu-server operator create --company DEMO --login admin --role admin --password-stdin
            Log in / ログイン:
              curl -s \(url)/api/v1/auth/login -H 'content-type: application/json' \\
                -d '{"company":"DEMO","login":"admin","password":"choose-a-long-password"}'
            Stop with Ctrl+C. / Ctrl+C で停止します。
            """
    }
}

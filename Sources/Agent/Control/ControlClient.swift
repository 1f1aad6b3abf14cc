import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
import TsunaguCore
import WebSocketKit

/// Settings of the agent's control connection (from `tsunagu-agent run`).
public struct ControlClientConfiguration: Sendable {
    public var serverURL: String
    public var company: String
    public var name: String
    public var connectionPassword: String?
    public var enrollToken: String?
    public var mode: String
    /// `--server-key`: the key to pin; nil means trust on first use.
    public var serverKey: String?
    public var stateDirectory: AgentStateDirectory
    public var agentVersion: String

    public init(
        serverURL: String, company: String, name: String, connectionPassword: String?,
        enrollToken: String?, mode: String, serverKey: String?, stateDirectory: AgentStateDirectory,
        agentVersion: String = "0.1.0"
    ) {
        self.serverURL = serverURL
        self.company = company
        self.name = name
        self.connectionPassword = connectionPassword
        self.enrollToken = enrollToken
        self.mode = mode
        self.serverKey = serverKey
        self.stateDirectory = stateDirectory
        self.agentVersion = agentVersion
    }

    /// `wss://HOST/api/v1/agent/ws` for `https://HOST`; `ws://` only to loopback.
    public func controlURL() throws -> URL {
        guard var components = URLComponents(string: serverURL), let host = components.host else {
            throw AgentControlError.invalidConfiguration("--server: not a URL: \(serverURL)")
        }
        switch components.scheme?.lowercased() {
        case "https", "wss": components.scheme = "wss"
        case "http", "ws":
            let loopback = host == "localhost" || host == "::1" || host.hasPrefix("127.")
            guard loopback else {
                throw AgentControlError.invalidConfiguration(
                    "--server \(serverURL): plain http/ws is allowed only to loopback; use https:// / 平文はループバックのみ"
                )
            }
            components.scheme = "ws"
        default:
            throw AgentControlError.invalidConfiguration(
                "--server must start with https:// (or http:// to loopback)")
        }
        components.path = "/api/v1/agent/ws"
        guard let url = components.url else {
            throw AgentControlError.invalidConfiguration("--server: not a URL: \(serverURL)")
        }
        return url
    }
}

/// What the agent does with the server's session requests.
public protocol SessionOfferHandler: Sendable {
    /// Decides on an offer (asking the customer in attended mode) and, if accepted, starts
    /// joining the session in the background; returns the answer for the server.
    func handle(_ offer: ControlMessage.Offer) async -> ControlMessage.OfferAnswer
    /// The server ended a session: close its channels.
    func end(session: String) async
    /// Records for the server's file-transfer log not yet confirmed (nil: none kept).
    var fileTransfers: FileTransferOutbox? { get }
}

/// Keeps the agent's one outbound control connection up: handshake, heartbeats, reconnect
/// with backoff after any loss. Returns only by throwing a permanent error or on cancel.
public final class ControlClient: Sendable {
    /// What happened, for logs and tests.
    public enum Event: Sendable, Equatable {
        case online(enrolled: Bool)
        case lost(reason: String)
    }

    private let configuration: ControlClientConfiguration
    private let group: any EventLoopGroup
    private let logger: Logger
    private let events: AsyncStream<Event>.Continuation?
    private let offers: (any SessionOfferHandler)?
    /// Kept across reconnects: the server tells this run from a clone of the machine by it.
    private let runID = UUID().uuidString
    /// The connection while the device is online, for messages the agent starts itself.
    private let onlineSocket = Mutex<WebSocket?>(nil)

    public init(
        configuration: ControlClientConfiguration, group: any EventLoopGroup, logger: Logger,
        offers: (any SessionOfferHandler)? = nil, events: AsyncStream<Event>.Continuation? = nil
    ) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
        self.offers = offers
        self.events = events
    }

    public func run() async throws {
        let url = try configuration.controlURL()
        var backoff = ReconnectBackoff()
        while !Task.isCancelled {
            do {
                let wasOnline = try await connectOnce(url)
                if wasOnline { backoff.reset() }
            } catch let error as AgentControlError where error.isPermanent {
                logger.error("\(error)")
                throw error
            } catch {
                logger.info("control connection failed: \(error)")
                events?.yield(.lost(reason: "\(error)"))
            }
            let delay = backoff.nextDelay()
            logger.info("reconnecting in \(delay)")
            try await Task.sleep(for: delay)
        }
    }

    /// Sends `message` if the device is online now; false when it is not (or the send failed).
    public func tell(_ message: ControlMessage) async -> Bool {
        guard let socket = onlineSocket.withLock({ $0 }), let text = try? message.jsonText() else {
            return false
        }
        do {
            try await socket.send(text)
            return true
        } catch {
            return false
        }
    }

    /// One connection, until it is lost; returns whether the device got online.
    private func connectOnce(_ url: URL) async throws -> Bool {
        let state = configuration.stateDirectory
        let deviceKey = try state.deviceKey()
        let pinned = configuration.serverKey ?? state.pinnedServerKey()
        let registration = state.registration()
        let sameDevice =
            registration?.company == configuration.company.uppercased()
            && registration?.name == configuration.name.lowercased()
        let digest = configuration.connectionPassword.map {
            AgentStateDirectory.passwordDigest($0, key: deviceKey.publicKey)
        }
        let hello = ControlMessage.Hello(
            company: configuration.company, name: configuration.name, deviceKey: "",
            clientNonce: "",
            agentVersion: configuration.agentVersion, os: OSFactsReader.current(),
            mode: configuration.mode,
            enrollToken: sameDevice ? nil : configuration.enrollToken,
            connectionPassword: (sameDevice && registration?.passwordDigest == digest)
                ? nil : configuration.connectionPassword, runID: runID)
        var handshake = AgentHandshake(deviceKey: deviceKey, pinnedServerKey: pinned, hello: hello)

        var tls: TLSConfiguration?
        if url.scheme == "wss" { tls = .makeClientConfiguration() }
        let (frames, input) = AsyncStream.makeStream(
            of: String.self, bufferingPolicy: .bufferingNewest(64))
        let (sockets, socketInput) = AsyncStream.makeStream(of: WebSocket.self)
        try await WebSocket.connect(
            to: url, configuration: .init(tlsConfiguration: tls, maxFrameSize: 64 * 1024), on: group
        ) { socket in
            socket.onText { _, text in input.yield(text) }
            socket.onClose.whenComplete { _ in input.finish() }
            socketInput.yield(socket)
            socketInput.finish()
        }.get()
        var socketIterator = sockets.makeAsyncIterator()
        guard let socket = await socketIterator.next() else { return false }
        defer {
            onlineSocket.withLock { $0 = nil }
            _ = socket.close()
        }

        try await socket.send(try handshake.start().jsonText())
        let liveness = Liveness()
        let heartbeats = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(1))
                guard let interval = await liveness.interval else { continue }
                if await liveness.silence() > .seconds(3 * interval) {
                    logger.warning("server silent for \(3 * interval) s; reconnecting")
                    try await socket.close(code: .goingAway)
                    return
                }
                if await liveness.heartbeatDue() {
                    try await socket.send(try ControlMessage.heartbeat(.init()).jsonText())
                }
            }
        }
        defer { heartbeats.cancel() }

        var online = false
        var transferSender: Task<Void, any Error>?
        defer { transferSender?.cancel() }
        for await text in frames {
            await liveness.heard()
            let message: ControlMessage
            do {
                message = try ControlMessage.parse(text)
            } catch {
                throw AgentControlError.protocolViolation("malformed message")
            }
            switch handshake.received(message) {
            case .send(let reply):
                try await socket.send(try reply.jsonText())
            case .sendAndPin(let reply, let serverKey):
                try state.pinServerKey(serverKey)
                logger.notice("pinned the server's key \(serverKey) (trust on first use)")
                try await socket.send(try reply.jsonText())
            case .online(let welcome):
                online = true
                onlineSocket.withLock { $0 = socket }
                await liveness.start(interval: welcome.heartbeatSeconds)
                try state.saveRegistration(
                    .init(
                        company: welcome.company, name: welcome.name,
                        passwordDigest: digest ?? registration?.passwordDigest))
                logger.notice(
                    "online as \(welcome.company)/\(welcome.name)\(welcome.enrolled ? " (enrolled)" : "")"
                )
                events?.yield(.online(enrolled: welcome.enrolled))
                if let outbox = offers?.fileTransfers {
                    transferSender?.cancel()
                    transferSender = Task {
                        try await Self.sendFileTransfers(from: outbox, over: socket)
                    }
                }
            case .heartbeatReceived:
                break
            case .offer(let offer):
                logger.notice(
                    "session offer \(offer.session) from \(offer.operatorLogin)@\(offer.company)")
                let offers = self.offers
                Task {
                    let answer =
                        await offers?.handle(offer)
                        ?? .init(
                            session: offer.session, channelID: offer.channelID, accepted: false,
                            reason: .unsupportedChannel)
                    try? await socket.send(try ControlMessage.offerAnswer(answer).jsonText())
                }
            case .endSession(let end):
                await offers?.end(session: end.session)
            case .fileTransferRecorded(let recorded):
                await offers?.fileTransfers?.confirm(recorded.id)
            case .fail(let error):
                throw error
            }
        }
        events?.yield(.lost(reason: "connection closed"))
        logger.info("control connection closed")
        return online
    }
}

extension ControlClient {
    /// Sends every unconfirmed file-transfer record now, then new ones as they come, until
    /// the connection ends (the next connection sends what is still unconfirmed).
    fileprivate static func sendFileTransfers(
        from outbox: FileTransferOutbox, over socket: WebSocket
    )
        async throws
    {
        var seen = 0
        while !Task.isCancelled {
            let (records, generation) = await outbox.records(addedAfter: seen)
            for record in records {
                try await socket.send(try ControlMessage.fileTransferred(record).jsonText())
            }
            seen = generation
            // A transfer takes seconds at least; looking twice a second keeps the log current
            // without a wake-up per record.
            try await Task.sleep(for: .milliseconds(500))
        }
    }
}

/// When the server was last heard from and when the next heartbeat is due.
private actor Liveness {
    private(set) var interval: Int?
    private var lastHeard = ContinuousClock.now
    private var lastSent = ContinuousClock.now

    func start(interval: Int) {
        self.interval = max(1, interval)
    }

    func heard() { lastHeard = .now }

    func silence() -> Duration { .now - lastHeard }

    func heartbeatDue() -> Bool {
        guard let interval, ContinuousClock.now - lastSent >= .seconds(interval) else {
            return false
        }
        lastSent = .now
        return true
    }
}

import Fluent
import Foundation
import NIOWebSocket
import TsunaguCore
import Vapor

/// One agent control connection on the server: reads frames in order, drives the state
/// machine, keeps the device's presence in the database, and closes on silence.
final class AgentControlSession: Sendable {
    /// Seconds between the agent's heartbeats (told to it in `welcome`).
    static let heartbeatSeconds = 10
    /// Silence after which the connection is closed and the device is offline.
    static let silenceLimit: Duration = .seconds(60)

    private let socket: WebSocket
    private let database: any Database
    private let context: ControlPlaneContext
    private let logger: Logger
    private let connectionID = UUID()
    private let frames: AsyncStream<String>
    /// The agent's address (through trusted proxies), for the audit trail.
    private let address: String?

    /// Must be called on the socket's event loop (WebSocketKit's callbacks are loop-bound).
    init(
        socket: WebSocket, database: any Database, context: ControlPlaneContext, logger: Logger,
        address: String?
    ) {
        self.socket = socket
        self.address = address
        self.database = database
        self.context = context
        self.logger = logger
        let (frames, input) = AsyncStream.makeStream(
            of: String.self, bufferingPolicy: .bufferingNewest(64))
        self.frames = frames
        socket.onText { _, text in input.yield(text) }
        socket.onBinary { socket, _ in _ = socket.close(code: .unacceptableData) }
        socket.onClose.whenComplete { _ in input.finish() }
    }

    /// Serves the connection until it closes.
    func run() async {

        let lastHeard = LastHeard()
        let watchdog = Task { [socket, context] in
            try? await Task.sleep(for: context.configuration.agentHelloTimeout)
            // Unproven connections go at the handshake limit, not at the silence limit.
            if !Task.isCancelled, await !lastHeard.isAdmitted {
                await Self.closeWithoutWaiting(socket, code: .policyViolation)
                return
            }
            while !Task.isCancelled {
                if await lastHeard.silence(longerThan: Self.silenceLimit) {
                    await Self.closeWithoutWaiting(socket, code: .goingAway)
                    return
                }
                try? await Task.sleep(for: .seconds(5))
            }
        }
        var machine = AgentControlStateMachine(identity: context.identity)
        var admitted: DeviceAdmission.Admitted?
        for await text in frames {
            await lastHeard.touch()
            let message: ControlMessage
            do {
                message = try ControlMessage.parse(text)
            } catch {
                await refuse(.init(code: "protocol_error", message: "Malformed control message."))
                break
            }
            var action = machine.received(message)
            if case .admit(let hello) = action {
                do {
                    let device = try await DeviceAdmission(
                        database: database, hasher: context.hasher, address: address
                    ).admit(hello)
                    try await markOnline(device, hello: hello)
                    admitted = device
                    await lastHeard.admit()
                    action = machine.admitted(
                        .init(
                            company: device.company, name: device.name, enrolled: device.enrolled,
                            heartbeatSeconds: Self.heartbeatSeconds))
                    logger.info(
                        "agent online: \(device.company)/\(device.name)\(device.enrolled ? " (enrolled)" : "")"
                    )
                } catch let refusal as DeviceAdmission.Refused {
                    action = machine.refused(code: refusal.code, message: refusal.message)
                } catch {
                    logger.error("agent admission failed: \(String(reflecting: error))")
                    action = machine.refused(
                        code: "internal_error", message: "The server could not admit the device.")
                }
            }
            switch action {
            case .send(let reply):
                try? await send(reply)
            case .touch:
                if let admitted { try? await touch(admitted.deviceID) }
                try? await send(.heartbeat(.init()))
            case .offerAnswered(let answer):
                if let admitted {
                    logger.info(
                        "agent \(admitted.name) answered offer \(answer.session): \(answer.accepted ? "accepted" : (answer.reason ?? .declined).rawValue)"
                    )
                    try? await SessionBroker(database: database, context: context)
                        .agentAnswered(answer, deviceID: admitted.deviceID)
                }
            case .fileTransferred(let record):
                guard let admitted else { break }
                do {
                    let outcome = try await FileTransferLog(database: database).record(
                        record, deviceID: admitted.deviceID)
                    if case .rejected(let why) = outcome {
                        logger.warning(
                            "agent \(admitted.name): file-transfer record \(record.id) refused: \(why)"
                        )
                    }
                    try? await send(.fileTransferRecorded(.init(id: record.id)))
                } catch {
                    // Not confirmed: the agent sends it again after its next reconnect.
                    logger.error(
                        "file-transfer record \(record.id) not stored: \(String(reflecting: error))"
                    )
                }
            case .agentEndedSession(let end):
                guard let admitted else { break }
                logger.info(
                    "agent \(admitted.name) ended session \(end.session): \((end.reason ?? .agentClosed).rawValue)"
                )
                try? await SessionBroker(database: database, context: context)
                    .agentEnded(end, deviceID: admitted.deviceID)
                // The agent closes its connections on this answer, after the reason is saved,
                // so the relay's reports of their ends cannot overtake it.
                try? await send(.endSession(.init(session: end.session)))
            case .refuse(let refusal):
                await refuse(refusal)
            case .admit:
                break
            }
            if case .refuse = action { break }
        }
        watchdog.cancel()
        if let admitted,
            await context.presence.release(deviceID: admitted.deviceID, connection: connectionID)
        {
            // Unless the agent has meanwhile reconnected to another instance.
            try? await Device.query(on: database).filter(\.$id == admitted.deviceID)
                .filter(\.$controlInstance == context.instanceID)
                .set(\.$connected, to: false).set(\.$controlInstance, to: nil).update()
            logger.info("agent offline: \(admitted.company)/\(admitted.name)")
        }
        if !socket.isClosed { try? await socket.close() }
    }

    /// Sends the close frame and, should the peer never answer it (a client that holds sockets
    /// open), drops the connection a second later: WebSocketKit closes the channel itself only
    /// when a ping goes unanswered, so one ping is sent as the deadline.
    private static func closeWithoutWaiting(_ socket: WebSocket, code: WebSocketErrorCode) async {
        socket.pingInterval = .seconds(1)
        try? await socket.close(code: code)
    }

    /// How recently a holder of the key must have been heard for a newcomer of another run to
    /// be a second machine rather than the same one reconnecting: two heartbeats and slack.
    static let conflictWindow: TimeInterval = TimeInterval(heartbeatSeconds) * 2 + 5

    private func markOnline(_ device: DeviceAdmission.Admitted, hello: ControlMessage.Hello)
        async throws
    {
        guard let row = try await Device.find(device.deviceID, on: database) else { return }
        if let run = hello.runID, let holder = row.agentRunID, holder != run,
            row.isOnline(window: Self.conflictWindow)
        {
            // Another machine with this device key is online (a cloned image): keep the one
            // that was first, refuse this one, and tell the admin.
            row.keyConflictAt = Date()
            row.keyConflictAddress = address
            try await row.save(on: database)
            try? await AuditTrail(database: database).record(
                .deviceKeyConflict, tenantID: device.tenantID, actor: "agent", subject: device.name,
                address: address,
                detail:
                    "A second machine connected with this device's key while the first was online; it was refused. Re-enroll one of them with its own key."
            )
            throw DeviceAdmission.Refused(
                code: "device_key_conflict",
                message:
                    "Another machine with this device key is online; re-enroll this one with its own key (--enroll-token). / 同じデバイス鍵の別のマシンが接続中です。"
            )
        }
        await context.presence.claim(
            deviceID: device.deviceID, connection: connectionID, socket: socket)
        row.agentRunID = hello.runID
        row.connected = true
        row.controlInstance = context.instanceID
        row.lastSeenAt = Date()
        row.osName = String(hello.os.name.prefix(100))
        row.osVersion = String(hello.os.version.prefix(100))
        row.hostname = String(hello.os.hostname.prefix(255))
        row.agentVersion = String(hello.agentVersion.prefix(50))
        try await row.save(on: database)
    }

    private func touch(_ deviceID: UUID) async throws {
        try await Device.query(on: database).filter(\.$id == deviceID)
            .set(\.$lastSeenAt, to: Date()).set(\.$connected, to: true)
            .set(\.$controlInstance, to: context.instanceID).update()
    }

    private func send(_ message: ControlMessage) async throws {
        try await socket.send(try message.jsonText())
    }

    private func refuse(_ refusal: ControlMessage.Refusal) async {
        logger.notice("agent refused: \(refusal.code): \(refusal.message)")
        try? await send(.refused(refusal))
        try? await socket.close(code: .policyViolation)
    }
}

/// When the agent was last heard from.
private actor LastHeard {
    private var instant = ContinuousClock.now
    /// Set once the device proved itself and was admitted.
    private(set) var isAdmitted = false

    func touch() { instant = .now }

    func admit() { isAdmitted = true }

    func silence(longerThan limit: Duration) -> Bool { ContinuousClock.now - instant > limit }
}

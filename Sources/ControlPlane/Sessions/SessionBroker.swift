import Fluent
import Foundation
import TsunaguCore
import Vapor

/// Brokers sessions: checks the operator's right to a device, picks a relay, writes the
/// session and its first channel, signs the two tickets and offers the channel to the agent;
/// adds channels to live sessions; later closes channels and sessions as the relay and the
/// agent report (`SessionBroker+Reports.swift`) and as time passes (`+Sweep.swift`).
public struct SessionBroker: Sendable {
    let database: any Database
    let context: ControlPlaneContext

    public init(database: any Database, context: ControlPlaneContext) {
        self.database = database
        self.context = context
    }

    /// One operator's wrong connection passwords on a device before that operator is locked
    /// out of it for five minutes (the rest of the company is not).
    static let operatorPasswordLimit = AttemptLimit(failures: 5, lockSeconds: 300)
    /// Everyone's wrong connection passwords on a device before the device is locked for all:
    /// what stops guessing spread over many operator accounts.
    static let devicePasswordLimit = AttemptLimit(failures: 20, lockSeconds: 900)
    /// What the operator gets: where to go and the ticket to show there.
    public struct Requested: Sendable {
        public var session: RemoteSession
        /// The channel connection the ticket opens.
        public var connection: ChannelConnection
        public var relayURL: String
        public var ticket: String
        public var attended: Bool
        public var expiresAt: Date
    }

    /// Checks, in DESIGN.md's order: the device is the operator's company's, the licence is
    /// valid, the connection password matches (with lockout), the device is online. Opens the
    /// session with its first channel.
    public func request(
        by op: AuthenticatedOperator, deviceName: String, password: String,
        channel: SessionChannel, from address: String?
    ) async throws -> Requested {
        let name = DeviceAdmission.normalizedName(deviceName) ?? deviceName
        guard
            let device = try await Device.query(on: database).filter(\.$tenant.$id == op.tenantID)
                .filter(\.$connectionName == name).first()
        else {
            // The same answer whether the name exists in another company or nowhere.
            throw APIError(
                .notFound, "device_not_found", "No device \(deviceName) in your company.")
        }
        guard let tenant = try await Tenant.find(op.tenantID, on: database), tenant.isUsable()
        else {
            throw APIError(.forbidden, "licence_invalid", "Your company's licence is not valid.")
        }
        try await checkPassword(password, of: device, by: op, from: address)
        let deviceID = try device.requireID()
        guard device.isOnline(), await context.agents.canReach(device) else {
            throw APIError(.conflict, "device_offline", "\(device.connectionName) is offline.")
        }
        guard let relay = try await RelayDirectory(database: database).pick(),
            let relayID = relay.id
        else {
            throw APIError(
                .serviceUnavailable, "no_relay", "No relay is available; try again shortly.")
        }

        let session = RemoteSession(
            tenantID: op.tenantID, operatorID: op.operatorID, deviceID: deviceID,
            operatorLogin: op.login, deviceName: device.connectionName, channel: channel,
            relayID: relayID, requestAddress: address)
        let sessionID = UUID()
        session.id = sessionID
        let connection = ChannelConnection(sessionID: sessionID, channel: channel)
        // Durable before anyone is answered.
        try await database.transaction { tx in
            try await session.create(on: tx)
            try await connection.create(on: tx)
        }
        return try await offer(
            connection, of: session, on: device, relayURL: relay.url, by: op)
    }

    /// `POST /api/v1/sessions/{id}/channels`: another channel of a live session, with no new
    /// password and no new consent. Only the session's own operator may add one.
    public func openChannel(
        _ channel: SessionChannel, sessionID: UUID, by op: AuthenticatedOperator
    ) async throws -> Requested {
        guard
            let session = try await RemoteSession.query(on: database).filter(\.$id == sessionID)
                .filter(\.$tenant.$id == op.tenantID).first(),
            session.$operator.id == op.operatorID
        else {
            throw APIError(.notFound, "session_not_found", "No such session of yours.")
        }
        guard session.status != .ended, !session.endRequested else {
            throw APIError(.conflict, "session_ended", "This session has ended; start a new one.")
        }
        guard session.status == .active else {
            throw APIError(
                .conflict, "session_not_started",
                "The session has not started yet (the customer may still be deciding); add channels once it has."
            )
        }
        guard let device = try await Device.find(session.$device.id, on: database),
            device.isOnline(), await context.agents.canReach(device)
        else {
            throw APIError(.conflict, "device_offline", "\(session.deviceName) is offline.")
        }
        // The session's channels share its relay, so that ending the session ends them all.
        guard let relay = try await RelayNode.find(session.relayID, on: database),
            relay.enabled, relay.isHealthy(at: Date())
        else {
            throw APIError(
                .serviceUnavailable, "no_relay",
                "The session's relay is not available; end the session and start a new one.")
        }
        let connection = ChannelConnection(sessionID: sessionID, channel: channel)
        try await connection.create(on: database)
        return try await offer(connection, of: session, on: device, relayURL: relay.url, by: op)
    }

    /// Signs both tickets of `connection` and offers it to the agent.
    private func offer(
        _ connection: ChannelConnection, of session: RemoteSession, on device: Device,
        relayURL: String, by op: AuthenticatedOperator
    ) async throws -> Requested {
        let sessionID = try session.requireID().uuidString
        let channelID = try connection.requireID().uuidString
        let operatorTicket = SessionTicket(
            session: sessionID, channel: connection.channel, channelID: channelID,
            role: .operator, relay: session.relayID)
        let agentTicket = SessionTicket(
            session: sessionID, channel: connection.channel, channelID: channelID, role: .agent,
            relay: session.relayID)
        let offer = ControlMessage.Offer(
            session: sessionID, channel: connection.channel, channelID: channelID,
            relayURL: relayURL, ticket: try await context.tickets.sign(agentTicket),
            operatorLogin: op.login, company: op.companyID, attended: device.mode == .attended)
        guard await context.agents.send(.offer(offer), to: device) else {
            try await channelEnded(connection, of: session, reason: .agentUnreachable)
            throw APIError(.conflict, "device_offline", "\(device.connectionName) is offline.")
        }
        return Requested(
            session: session, connection: connection, relayURL: relayURL,
            ticket: try await context.tickets.sign(operatorTicket),
            attended: offer.attended, expiresAt: operatorTicket.expiresAt)
    }

    /// Checks the connection password with the failure counted first (`AttemptThrottle`), so
    /// parallel guesses cannot pass the limit; every wrong password and lock is audited.
    private func checkPassword(
        _ password: String, of device: Device, by op: AuthenticatedOperator, from address: String?
    ) async throws {
        let deviceID = try device.requireID()
        let keys: [(ThrottleKey, AttemptLimit)] = [
            (
                .deviceByOperator(device: deviceID, operator: op.operatorID),
                Self.operatorPasswordLimit
            ),
            (.device(deviceID), Self.devicePasswordLimit),
        ]
        let throttle = AttemptThrottle(database: database)
        let audit = AuditTrail(database: database)
        let now = Date()
        // Keys are reserved one after the other and the first that refuses stops the rest:
        // an attempt refused for one operator must not count against the whole device.
        var reserved: [ThrottleKey] = []
        var slots: [AttemptThrottle.Slot] = []
        let releaseAll = { for key in reserved { try? await throttle.release(key) } }
        for (key, limit) in keys {
            let slot = try await throttle.reserve(key, limit: limit, now: now)
            reserved.append(key)
            slots.append(slot)
            let locked = slot.lockRemaining(at: now.timeIntervalSince1970)
            guard locked != nil || slot.failures > limit.failures else { continue }
            await releaseAll()
            let seconds = locked ?? 5
            let whom = if case .device = key { "for everyone" } else { "for you" }
            try? await audit.record(
                .devicePasswordRefused, tenantID: op.tenantID, actor: op.login,
                subject: device.connectionName, address: address,
                detail: "Session request refused unchecked: the device is locked \(whom).")
            throw APIError(
                .tooManyRequests, "device_locked",
                "Too many wrong connection passwords for \(device.connectionName) (locked \(whom)); try again in \(seconds) seconds.",
                headers: ["Retry-After": String(seconds)])
        }
        let matched: Bool
        do {
            matched = try await context.hasher.verify(
                password, against: device.connectionPasswordHash)
        } catch {
            await releaseAll()
            throw error
        }
        guard matched else {
            try? await audit.record(
                .devicePasswordWrong, tenantID: op.tenantID, actor: op.login,
                subject: device.connectionName, address: address,
                detail: "Wrong connection password.")
            for (key, limit) in keys {
                guard try await throttle.confirmFailure(key, limit: limit) else { continue }
                let whom = if case .device = key { "every operator" } else { op.login }
                try? await audit.record(
                    .devicePasswordLocked, tenantID: op.tenantID, actor: op.login,
                    subject: device.connectionName, address: address,
                    detail:
                        "Connection password locked for \(whom) for \(Int(limit.lockSeconds)) s after \(limit.failures) wrong passwords."
                )
            }
            let left = max(0, Self.operatorPasswordLimit.failures - slots[0].failures)
            throw APIError(
                .forbidden, "wrong_password",
                left > 0
                    ? "The connection password is wrong; \(left) more tries before a 5-minute lock."
                    : "The connection password is wrong; you are locked out of this device for 5 minutes."
            )
        }
        await releaseAll()
    }

    /// `DELETE /api/v1/sessions/{id}`: the operator who started it or a company admin.
    public func end(sessionID: UUID, by op: AuthenticatedOperator) async throws -> RemoteSession {
        guard
            let session = try await RemoteSession.query(on: database).filter(\.$id == sessionID)
                .filter(\.$tenant.$id == op.tenantID).first()
        else {
            throw APIError(.notFound, "session_not_found", "No such session in your company.")
        }
        guard session.$operator.id == op.operatorID || op.role == .admin else {
            throw APIError(
                .forbidden, "not_your_session",
                "Only its operator or an admin may end this session.")
        }
        guard session.status != .ended, !session.endRequested else { return session }
        var lifecycle = SessionLifecycle(session)
        let now = Date()
        guard lifecycle.handle(.endRequested(at: now)) == .changed else { return session }
        session.endRequested = true
        session.endRequestedAt = now
        try await session.save(on: database)
        if let device = try await Device.find(session.$device.id, on: database) {
            _ = await context.agents.send(
                .endSession(.init(session: sessionID.uuidString)), to: device)
        }
        // The relay closes it and reports the end with its byte counts (the embedded relay
        // at once, an external one with its next report); the sweeper closes it after
        // `endGrace` if it never reached a relay.
        await context.relayControl?.end(session: sessionID.uuidString, relayID: session.relayID)
        return try await RemoteSession.find(sessionID, on: database) ?? session
    }

}

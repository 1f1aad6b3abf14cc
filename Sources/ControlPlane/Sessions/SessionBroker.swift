import Fluent
import Foundation
import TsunaguCore
import Vapor

/// Brokers sessions: checks the operator's right to a device, picks a relay, writes the
/// session row, signs the two tickets and offers the session to the agent; later closes the
/// row and appends the connection-log record when the relay reports the end.
public struct SessionBroker: Sendable {
    let database: any Database
    let context: ControlPlaneContext

    public init(database: any Database, context: ControlPlaneContext) {
        self.database = database
        self.context = context
    }

    /// Channels agents serve today.
    public static let channels: Set<String> = ["desktop"]
    /// One operator's wrong connection passwords on a device before that operator is locked
    /// out of it for five minutes (the rest of the company is not).
    static let operatorPasswordLimit = AttemptLimit(failures: 5, lockSeconds: 300)
    /// Everyone's wrong connection passwords on a device before the device is locked for all:
    /// what stops guessing spread over many operator accounts.
    static let devicePasswordLimit = AttemptLimit(failures: 20, lockSeconds: 900)
    /// A session not started this long after the request is given up (ticket 30 s + the
    /// relay's 30 s wait for the peer + slack).
    static let startDeadline: TimeInterval = 75
    /// How long an ended session waits for its relay's final report (with the byte counts)
    /// before it is closed without one: two report intervals and slack.
    static let endGrace: TimeInterval = 15

    /// What the operator gets: where to go and the ticket to show there.
    public struct Requested: Sendable {
        public var session: RemoteSession
        public var relayURL: String
        public var ticket: String
        public var attended: Bool
        public var expiresAt: Date
    }

    /// Checks, in DESIGN.md's order: the device is the operator's company's, the licence is
    /// valid, the connection password matches (with lockout), the device is online.
    public func request(
        by op: AuthenticatedOperator, deviceName: String, password: String, channel: String,
        from address: String?
    ) async throws -> Requested {
        guard Self.channels.contains(channel) else {
            throw APIError.invalidField(
                "channel", "one of: \(Self.channels.sorted().joined(separator: ", "))")
        }
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
        try await session.create(on: database)  // durable before anyone is answered
        let sessionID = try session.requireID().uuidString
        let operatorTicket = SessionTicket(
            session: sessionID, channel: channel, role: .operator, relay: relayID)
        let agentTicket = SessionTicket(
            session: sessionID, channel: channel, role: .agent, relay: relayID)
        let offer = ControlMessage.Offer(
            session: sessionID, channel: channel, relayURL: relay.url,
            ticket: try await context.tickets.sign(agentTicket), operatorLogin: op.login,
            company: op.companyID, attended: device.mode == .attended)
        guard await context.agents.send(.offer(offer), to: device) else {
            try await finish(session, reason: "agent_unreachable")
            throw APIError(.conflict, "device_offline", "\(device.connectionName) is offline.")
        }
        return Requested(
            session: session, relayURL: relay.url,
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

    /// The relay reported a channel's end: close the row and log it.
    public func relayEnded(_ end: RelaySessionEnd, relayID: String) async throws {
        guard let id = UUID(uuidString: end.session),
            let session = try await RemoteSession.query(on: database).filter(\.$id == id)
                .filter(\.$relayID == relayID).first(),
            session.status != .ended
        else { return }
        session.startedAt = end.pairedAt ?? session.startedAt
        session.bytesFromOperator = end.bytesFromOperator
        session.bytesFromAgent = end.bytesFromAgent
        session.operatorAddress = end.operatorAddress ?? session.operatorAddress
        session.agentAddress = end.agentAddress ?? session.agentAddress
        let reason =
            session.endRequested && end.reason == "ended_by_server"
            ? "ended_by_operator" : end.reason
        try await finish(session, reason: reason, at: end.endedAt)
    }

    /// Marks sessions the relay says are paired as active.
    public func relayActive(_ sessions: [String], relayID: String) async throws {
        let ids = sessions.compactMap(UUID.init(uuidString:))
        guard !ids.isEmpty else { return }
        try await RemoteSession.query(on: database).filter(\.$id ~~ ids).filter(
            \.$relayID == relayID
        )
        .filter(\.$status == .offered).set(\.$status, to: .active).set(\.$startedAt, to: Date())
        .update()
    }

    /// Records the bytes open sessions have carried so far, as the relay reports them, so that
    /// a session closed without its relay's final count (`server_restart`, `relay_lost`) keeps
    /// what flowed.
    public func relayProgress(_ progress: [RelaySessionProgress], relayID: String) async throws {
        for entry in progress {
            guard let id = UUID(uuidString: entry.session) else { continue }
            try await RemoteSession.query(on: database).filter(\.$id == id)
                .filter(\.$relayID == relayID).filter(\.$status != .ended)
                .filter(\.$bytesFromOperator <= entry.bytesFromOperator)
                .filter(\.$bytesFromAgent <= entry.bytesFromAgent)
                .set(\.$bytesFromOperator, to: entry.bytesFromOperator)
                .set(\.$bytesFromAgent, to: entry.bytesFromAgent).update()
        }
    }

    /// Sessions the relay must close because someone ended them.
    public func endRequests(for relayID: String) async throws -> [String] {
        try await RemoteSession.query(on: database).filter(\.$relayID == relayID)
            .filter(\.$endRequested == true).filter(\.$status != .ended).all()
            .compactMap { $0.id?.uuidString }
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
        session.endRequested = true
        session.endRequestedAt = Date()
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

    /// The agent answered an offer; a refusal ends the session with its reason.
    func agentAnswered(_ answer: ControlMessage.OfferAnswer, deviceID: UUID) async throws {
        guard !answer.accepted, let id = UUID(uuidString: answer.session),
            let session = try await RemoteSession.query(on: database).filter(\.$id == id)
                .filter(\.$device.$id == deviceID).first(),
            session.status != .ended
        else { return }
        session.endRequested = true
        session.endRequestedAt = Date()
        try await session.save(on: database)
        // Nothing was paired (the agent never dialled): no counts to wait for.
        try await finish(session, reason: answer.reason ?? "declined")
        await context.relayControl?.end(session: answer.session, relayID: session.relayID)
    }

    /// Ends sessions whose relay stopped reporting (`relay_lost`) and offers that never
    /// started (`not_started`). Runs every few seconds.
    public func sweep(now: Date = Date()) async throws {
        let lost = try await RelayDirectory(database: database).unhealthyIDs(at: now)
        let open = try await RemoteSession.query(on: database).filter(\.$status != .ended).all()
        for session in open {
            if lost.contains(session.relayID) {
                try await finish(session, reason: "relay_lost", at: now)
            } else if session.endRequested, let asked = session.endRequestedAt,
                now.timeIntervalSince(asked) > Self.endGrace
            {
                try await finish(session, reason: "ended_by_operator", at: now)
            } else if session.status == .offered,
                now.timeIntervalSince(session.requestedAt) > Self.startDeadline
            {
                try await finish(session, reason: "not_started", at: now)
            }
        }
    }

    /// At start-up: sessions on this instance's embedded relay that are still open died with
    /// the previous process (its relay's connections went with it). Closes them as `server_restart` so
    /// that every session requested has its log record, however the process ended.
    public func recoverEmbeddedSessions(at now: Date = Date()) async throws -> Int {
        let open = try await RemoteSession.query(on: database)
            .filter(\.$relayID == context.embeddedRelayID).filter(\.$status != .ended).all()
        for session in open { try await finish(session, reason: "server_restart", at: now) }
        return open.count
    }

    /// Closes the row and appends the log record.
    func finish(_ session: RemoteSession, reason: String, at time: Date = Date()) async throws {
        session.status = .ended
        session.endedAt = time
        session.endReason = reason
        try await session.save(on: database)
        try await ConnectionLog(database: database).append(session)
    }
}

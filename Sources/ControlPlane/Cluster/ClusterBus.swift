import FluentPostgresDriver
import Foundation
import Logging
import NIOCore
import TsunaguCore

/// Carries control messages to agents whose connection another server instance holds, over
/// PostgreSQL `LISTEN/NOTIFY` on the database the instances already share (DESIGN.md,
/// "Scale"): an operator served by one instance can reach a device connected to another.
///
/// One dedicated connection listens on `tsunagu_cluster` and sends the notices; it is made
/// again after a database restart. A delivery is answered by the addressee (`delivered` or
/// `undeliverable`) and waited for at most ``answerTimeout``.
public actor ClusterBus {
    /// The notification channel all instances listen on.
    static let channel = "tsunagu_cluster"
    /// How long a delivery waits for the holding instance's answer, by default.
    public static let defaultAnswerTimeout: Duration = .seconds(3)

    /// This instance's id; notices addressed to it are acted on.
    public nonisolated let instanceID: String
    /// How long a delivery waits for the holding instance's answer.
    let answerTimeout: Duration
    private let configuration: PostgresConnection.Configuration
    private let presence: AgentPresence
    private let group: any EventLoopGroup
    private let logger: Logger
    private var connection: PostgresConnection?
    private var answers: [UUID: CheckedContinuation<Delivery, Never>] = [:]
    private var listening: Task<Void, Never>?

    /// - Parameters:
    ///   - databaseURL: the `postgres://` URL the instance's database uses.
    ///   - presence: the agent connections this instance holds, for notices addressed to it.
    public init(
        instanceID: String, databaseURL: String, presence: AgentPresence,
        group: any EventLoopGroup, logger: Logger, answerTimeout: Duration = defaultAnswerTimeout
    ) throws {
        self.instanceID = instanceID
        self.answerTimeout = answerTimeout
        self.configuration = try SQLPostgresConfiguration(url: databaseURL).coreConfiguration
        self.presence = presence
        self.group = group
        self.logger = logger
    }

    /// Starts listening; returns once the first LISTEN is in place (or its first attempt
    /// failed; it keeps trying every second).
    public func start() async {
        guard listening == nil else { return }
        let (started, signal) = AsyncStream<Void>.makeStream()
        listening = Task { await self.listen(started: signal) }
        for await _ in started {}
    }

    /// Stops listening and fails every delivery still waiting.
    public func stop() async {
        listening?.cancel()
        listening = nil
        try? await connection?.close()
        connection = nil
        for (_, waiting) in answers { waiting.resume(returning: .unanswered) }
        answers = [:]
    }

    /// What became of a message for an agent at another instance.
    enum Delivery: Sendable, Equatable {
        /// The holding instance handed it to the agent.
        case delivered
        /// The addressee answered that it does not hold that agent.
        case refused
        /// No answer in time (the instance is gone or the database slow).
        case unanswered
        /// Not sent: no database connection, or too long for a notification.
        case unsent
    }

    /// Hands `message` to the agent of `device` at `instance` and waits for the answer.
    func deliver(_ message: ControlMessage, to device: UUID, at instance: String) async -> Delivery
    {
        guard connection != nil, let text = try? message.jsonText() else { return .unsent }
        let notice = ClusterNotice(
            kind: .deliver, to: instance, from: instanceID, device: device, message: text)
        return await withCheckedContinuation { waiting in
            answers[notice.id] = waiting
            Task {
                guard await self.publish(notice) else {
                    return self.answer(notice.id, with: .unsent)
                }
                try? await Task.sleep(for: self.answerTimeout)
                self.answer(notice.id, with: .unanswered)
            }
        }
    }

    /// Asks `instance` to close the control connection of `device`.
    func disconnect(device: UUID, at instance: String) async {
        _ = await publish(
            ClusterNotice(kind: .disconnect, to: instance, from: instanceID, device: device))
    }

    // MARK: - Listening

    private nonisolated func listen(started: AsyncStream<Void>.Continuation) async {
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(
                    on: group.any(), configuration: configuration, id: 1, logger: logger)
                await adopt(connection)
                try await connection.listen(on: Self.channel) { notices in
                    started.finish()
                    for try await notice in notices {
                        await self.received(notice.payload)
                    }
                }
            } catch {
                if !Task.isCancelled {
                    logger.warning(
                        "cluster: listening on PostgreSQL failed, retrying: \(String(reflecting: error))"
                    )
                }
            }
            started.finish()
            await adopt(nil)
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private func adopt(_ fresh: PostgresConnection?) async {
        if fresh == nil, let old = connection { try? await old.close() }
        connection = fresh
    }

    private func received(_ payload: String) async {
        guard let notice = ClusterNotice(payload: payload), notice.to == instanceID else { return }
        switch notice.kind {
        case .deliver:
            var delivered = false
            if let device = notice.device, let text = notice.message {
                delivered = await presence.send(text: text, to: device)
            }
            let reply = ClusterNotice(
                kind: delivered ? .delivered : .undeliverable, to: notice.from, from: instanceID,
                id: notice.id)
            _ = await publish(reply)
        case .delivered, .undeliverable:
            answer(notice.id, with: notice.kind == .delivered ? .delivered : .refused)
        case .disconnect:
            if let device = notice.device { await presence.disconnect(deviceID: device) }
        }
    }

    private func answer(_ id: UUID, with outcome: Delivery) {
        answers.removeValue(forKey: id)?.resume(returning: outcome)
    }

    private func publish(_ notice: ClusterNotice) async -> Bool {
        guard let connection, let payload = try? notice.payload(),
            payload.utf8.count <= ClusterNotice.maxPayload
        else { return false }
        do {
            try await connection.query(
                "SELECT pg_notify(\(Self.channel), \(payload))", logger: logger)
            return true
        } catch {
            logger.warning("cluster: could not send a notice: \(String(reflecting: error))")
            return false
        }
    }
}

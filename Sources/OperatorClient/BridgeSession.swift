import Foundation
import Logging
import NIOCore
import RelayClient
import TsunaguCore

/// One viewer of `VNCBridge`: asks the server for a session, waits for the customer where
/// needed, meets the agent at the relay, splices the two connections and ends the session.
struct BridgeSession: Sendable {
    let api: TsunaguAPI
    let configuration: VNCBridge.Configuration
    let logger: Logger
    let events: @Sendable (BridgeEvent) -> Void

    /// Serves `viewer` to the end; throws only an `APIError` that is fatal for the bridge.
    func serve(_ viewer: any Channel) async throws {
        guard !Task.isCancelled else { return viewer.close(promise: nil) }
        events(.viewerConnected(from: viewer.remoteAddress.map(Self.describe) ?? "?"))
        let created: CreatedSession
        do {
            created = try await api.createSession(
                device: configuration.device, password: configuration.password,
                channel: configuration.channel)
        } catch let error as APIError {
            viewer.close(promise: nil)
            events(.failed(error.explanation))
            if error.isFatalForConnect { throw error }
            return
        } catch {
            // Cancelled (Ctrl+C) while asking: nothing to report.
            viewer.close(promise: nil)
            return
        }
        if created.attended { events(.waitingForCustomer(device: configuration.device)) }

        // Dialled on the viewer's event loop so the splice's two halves share it.
        switch await RelayJoin.join(
            created, api: api, group: viewer.eventLoop, timeout: configuration.relayTimeout,
            pollInterval: configuration.statusPollInterval)
        {
        case .paired(let relay):
            events(.paired(session: created.sessionId))
            let (sent, received) = await splice(viewer, relay)
            await end(created.sessionId, afterRelayReport: true)
            events(.ended(session: created.sessionId, fromViewer: sent, toViewer: received))
        case .ended(let reason):
            viewer.close(promise: nil)
            events(.failed(APIError.sessionEndExplanation(reason)))
        case .failed(let why):
            viewer.close(promise: nil)
            await end(created.sessionId)
            events(.failed("Could not join the relay: \(why)\nリレーに接続できませんでした。"))
        case nil:
            viewer.close(promise: nil)
            await end(created.sessionId)
        }
    }

    /// Glues the viewer and the relay until either closes; returns the bytes each way.
    private func splice(_ viewer: any Channel, _ relay: any Channel) async -> (Int64, Int64) {
        let loop = viewer.eventLoop
        guard relay.eventLoop === loop else {
            logger.error("the relay channel is on another event loop; closing")
            viewer.close(promise: nil)
            relay.close(promise: nil)
            return (0, 0)
        }
        let glue = try? await loop.submit {
            let (viewerSide, relaySide) = GlueHandler.matchedPair()
            try viewer.pipeline.syncOperations.addHandler(viewerSide)
            try relay.pipeline.syncOperations.addHandler(relaySide)
            try viewer.syncOptions?.setOption(.autoRead, value: true)
            return NIOLoopBound((viewerSide, relaySide), eventLoop: loop)
        }.get()
        if glue != nil { try? await RelayDialer.startForwarding(relay).get() }
        if glue == nil {
            viewer.close(promise: nil)
            relay.close(promise: nil)
        }
        await withTaskCancellationHandler {
            try? await viewer.closeFuture.get()
            try? await relay.closeFuture.get()
        } onCancel: {
            viewer.close(promise: nil)
            relay.close(promise: nil)
        }
        guard let glue else { return (0, 0) }
        let counts = try? await loop.submit {
            (glue.value.0.bytesForwarded, glue.value.1.bytesForwarded)
        }.get()
        return counts ?? (0, 0)
    }

    /// `DELETE`s the session. In a task of its own: it must run even when this one was
    /// cancelled by Ctrl+C, or the session would stay open on the server. After a splice it
    /// first gives the relay `endGrace` to report the end with its byte counts: a `DELETE`
    /// that wins that race closes the record before the counts are in.
    private func end(_ id: UUID, afterRelayReport: Bool = false) async {
        let (api, logger, grace) = (api, logger, configuration.endGrace)
        await Task {
            if afterRelayReport {
                let deadline = ContinuousClock.now + grace
                while ContinuousClock.now < deadline {
                    if let state = try? await api.session(id), state.status == "ended" { return }
                    try? await Task.sleep(for: .milliseconds(250))
                }
            }
            do {
                try await api.endSession(id)
            } catch {
                logger.debug("ending session \(id): \(error)")
            }
        }.value
    }

    private static func describe(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}

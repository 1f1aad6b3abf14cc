import Foundation
import TsunaguCore
import Vapor

/// The agent control connections this server instance holds, one per device. A newer
/// connection of the same device replaces the older one (an agent that reconnected before
/// its old socket timed out), and only the current one may mark the device offline.
public actor AgentPresence {
    private var current: [UUID: (connection: UUID, socket: WebSocket)] = [:]

    public init() {}

    /// Records `socket` as the device's connection; closes a previous one.
    func claim(deviceID: UUID, connection: UUID, socket: WebSocket) async {
        let previous = current[deviceID]
        current[deviceID] = (connection, socket)
        if let previous, previous.connection != connection {
            try? await previous.socket.close(code: .policyViolation)
        }
    }

    /// Forgets the device's connection if `connection` is still the current one; returns
    /// whether it was (then the caller marks the device offline).
    func release(deviceID: UUID, connection: UUID) -> Bool {
        guard current[deviceID]?.connection == connection else { return false }
        current[deviceID] = nil
        return true
    }

    /// Sends `message` to the device's agent if this instance holds its connection.
    func send(_ message: ControlMessage, to deviceID: UUID) async -> Bool {
        guard let text = try? message.jsonText() else { return false }
        return await send(text: text, to: deviceID)
    }

    /// Sends a control message already in its JSON text (from another instance).
    func send(text: String, to deviceID: UUID) async -> Bool {
        guard let socket = current[deviceID]?.socket else { return false }
        do {
            try await socket.send(text)
            return true
        } catch {
            return false
        }
    }

    /// Closes the device's control connection (the device was removed).
    func disconnect(deviceID: UUID) async {
        guard let entry = current.removeValue(forKey: deviceID) else { return }
        try? await entry.socket.close(code: .policyViolation)
    }

    /// Closes every agent's control connection (the server is stopping): each session then
    /// marks its device offline, and the agents reconnect, to another instance if one serves.
    func disconnectAll() async {
        let sockets = current.values.map(\.socket)
        current = [:]
        for socket in sockets { try? await socket.close(code: .goingAway) }
    }

    /// How many agents are connected to this instance.
    public var count: Int { current.count }

    /// Whether this instance holds a connection for the device.
    public func isConnected(_ deviceID: UUID) -> Bool { current[deviceID] != nil }
}

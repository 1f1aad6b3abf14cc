import Foundation
import TsunaguCore

/// Reaches a device's agent wherever its control connection is: held by this instance, or
/// by another instance sharing the PostgreSQL database (through ``ClusterBus``).
public struct AgentDelivery: Sendable {
    let presence: AgentPresence
    let cluster: ClusterBus?

    /// Whether an online device's agent can be reached from this instance.
    func canReach(_ device: Device) async -> Bool {
        guard let id = device.id else { return false }
        if await presence.isConnected(id) { return true }
        return otherInstance(holding: device) != nil
    }

    /// Sends `message` to the device's agent; true when it was handed over.
    func send(_ message: ControlMessage, to device: Device) async -> Bool {
        guard let id = device.id else { return false }
        if await presence.send(message, to: id) { return true }
        guard let cluster, let instance = otherInstance(holding: device) else { return false }
        return await cluster.deliver(message, to: id, at: instance) == .delivered
    }

    /// Closes the device's control connection wherever it is.
    func disconnect(_ device: Device) async {
        guard let id = device.id else { return }
        await presence.disconnect(deviceID: id)
        if let cluster, let instance = otherInstance(holding: device) {
            await cluster.disconnect(device: id, at: instance)
        }
    }

    private func otherInstance(holding device: Device) -> String? {
        guard let cluster, let instance = device.controlInstance, instance != cluster.instanceID
        else { return nil }
        return instance
    }
}

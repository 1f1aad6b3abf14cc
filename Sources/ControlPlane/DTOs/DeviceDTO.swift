import Foundation
import Vapor

/// A device as operators see it in `GET /api/v1/devices`.
struct DeviceDTO: Content {
    var name: String
    var online: Bool
    var mode: Device.Mode
    var os: String?
    var hostname: String?
    var lastSeenAt: Date?
    /// Until when an admin allowed the device to be enrolled again, if they did.
    var reenrollAllowedUntil: Date?
    /// When a second machine last came with this device's key (a cloned image), if ever.
    var keyConflictAt: Date?
    var keyConflictAddress: String?

    init(_ device: Device, now: Date) {
        name = device.connectionName
        online = device.isOnline(at: now)
        mode = device.mode
        let os = [device.osName, device.osVersion].compactMap { $0 }.joined(separator: " ")
        self.os = os.isEmpty ? nil : os
        hostname = device.hostname
        lastSeenAt = device.lastSeenAt
        reenrollAllowedUntil = device.reenrollAllowedUntil.flatMap { $0 > now ? $0 : nil }
        keyConflictAt = device.keyConflictAt
        keyConflictAddress = device.keyConflictAddress
    }
}

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

    init(_ device: Device, now: Date) {
        name = device.connectionName
        online = device.isOnline(at: now)
        mode = device.mode
        let os = [device.osName, device.osVersion].compactMap { $0 }.joined(separator: " ")
        self.os = os.isEmpty ? nil : os
        hostname = device.hostname
        lastSeenAt = device.lastSeenAt
    }
}

import Foundation
import Vapor

/// `PATCH /api/v1/devices/{name}` body: either field, or both.
struct UpdateDeviceRequest: Content {
    /// `attended` or `unattended`.
    var mode: Device.Mode?
    /// A new connection name (1–64 of `a-z 0-9 . _ -`, unique in the company).
    var name: String?
}

/// `DELETE /api/v1/devices/{name}` answer.
struct RemovedDeviceDTO: Content {
    var name: String
    var removed: Bool
}

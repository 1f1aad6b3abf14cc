import Fluent
import Vapor

/// Tenant admins change and remove their company's devices. Every lookup is scoped by the
/// caller's tenant: a device of another company answers `404 device_not_found`, exactly like
/// one that does not exist.
struct DeviceAdminController: RouteCollection {
    let context: ControlPlaneContext

    func boot(routes: any RoutesBuilder) throws {
        let devices = routes.grouped("api", "v1", "devices")
        devices.patch(":deviceName", use: update)
        devices.delete(":deviceName", use: remove)
        devices.post(":deviceName", "reenroll", use: allowReenrollment)
    }

    /// How long an admin's permission to enroll a device again lasts.
    static let reenrollmentWindow: TimeInterval = 24 * 3600

    /// Allows the device to be enrolled again (its machine was reinstalled and lost its key):
    /// for a day, an agent with a valid enrollment token may take over this name once. Without
    /// this, an enrollment under an existing name is refused (`device_exists`).
    func allowReenrollment(req: Request) async throws -> DeviceDTO {
        let op = try req.requireOperator()
        try op.requireAdmin()
        let device = try await Self.find(req.parameters.get("deviceName"), of: op, on: req.db)
        let until = Date().addingTimeInterval(Self.reenrollmentWindow)
        device.reenrollAllowedUntil = until
        try await device.save(on: req.db)
        try await AuditTrail(database: req.db).record(
            .reenrollmentAllowed, tenantID: op.tenantID, actor: op.login,
            subject: device.connectionName, address: req.clientAddress(context),
            detail:
                "Allowed to enroll again with a new key until \(ISO8601DateFormatter().string(from: until))."
        )
        return DeviceDTO(device, now: Date())
    }

    /// Changes the mode and/or the connection name.
    func update(req: Request) async throws -> DeviceDTO {
        let op = try req.requireOperator()
        try op.requireAdmin()
        let body = try req.content.decode(UpdateDeviceRequest.self)
        guard body.mode != nil || body.name != nil else {
            throw APIError(.unprocessableEntity, "missing_field", "Give mode, name or both.")
        }
        return try await req.db.transaction { tx in
            let device = try await Self.find(req.parameters.get("deviceName"), of: op, on: tx)
            if let mode = body.mode { device.mode = mode }
            if let wanted = body.name {
                guard let name = DeviceAdmission.normalizedName(wanted) else {
                    throw APIError.invalidField("name", "1–64 letters, digits, '.', '_' or '-'")
                }
                if name != device.connectionName {
                    let taken = try await Device.query(on: tx).filter(\.$tenant.$id == op.tenantID)
                        .filter(\.$connectionName == name).first()
                    guard taken == nil else {
                        throw APIError(
                            .conflict, "device_name_taken",
                            "Another device is already called \(name).")
                    }
                    device.connectionName = name
                }
            }
            try await device.save(on: tx)
            return DeviceDTO(device, now: Date())
        }
    }

    /// Removes the device; its agent must enroll again to come back. Refused while a session
    /// with it is open. Ended sessions' rows go with it; the connection log keeps its records.
    func remove(req: Request) async throws -> RemovedDeviceDTO {
        let op = try req.requireOperator()
        try op.requireAdmin()
        let removed = try await req.db.transaction { tx in
            let device = try await Self.find(req.parameters.get("deviceName"), of: op, on: tx)
            let deviceID = try device.requireID()
            let open = try await RemoteSession.query(on: tx).filter(\.$device.$id == deviceID)
                .filter(\.$status != .ended).count()
            guard open == 0 else {
                throw APIError(
                    .conflict, "device_in_session",
                    "\(device.connectionName) is in a session; end it first.")
            }
            try await RemoteSession.query(on: tx).filter(\.$device.$id == deviceID).delete()
            try await device.delete(on: tx)
            return (device, RemovedDeviceDTO(name: device.connectionName, removed: true))
        }
        // Its agent's control connection goes too; it must enroll again to come back.
        await context.agents.disconnect(removed.0)
        return removed.1
    }

    /// The caller's company's device called `name`, else `404 device_not_found`.
    private static func find(_ name: String?, of op: AuthenticatedOperator, on db: any Database)
        async throws -> Device
    {
        let wanted = name.flatMap(DeviceAdmission.normalizedName) ?? ""
        guard
            !wanted.isEmpty,
            let device = try await Device.query(on: db).filter(\.$tenant.$id == op.tenantID)
                .filter(\.$connectionName == wanted).first()
        else {
            throw APIError(
                .notFound, "device_not_found", "No device \(name ?? "") in your company.")
        }
        return device
    }
}

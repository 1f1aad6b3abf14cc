import Crypto
import Fluent
import Foundation
import TsunaguCore

/// Decides whether an agent that proved its device key may connect: either the key is the
/// one registered for (company, connection name), or it brings a valid enrollment token and
/// registers the key (first contact, or a reinstall).
struct DeviceAdmission: Sendable {
    let database: any Database
    let hasher: BcryptHasher
    /// The agent's address, for the audit trail.
    var address: String? = nil

    /// Why an agent is turned away; `code` is stable, the message tells the customer's admin
    /// what to do.
    struct Refused: Error, Sendable {
        let code: String
        let message: String
    }

    /// A device allowed online.
    struct Admitted: Sendable {
        let deviceID: UUID
        let tenantID: UUID
        let company: String
        let name: String
        let enrolled: Bool
    }

    /// Connection names: 1–64 of lower-case letters, digits, `.`, `_`, `-`.
    static func normalizedName(_ text: String) -> String? {
        let name = text.trimmingCharacters(in: .whitespaces).lowercased()
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789._-".unicodeScalars)
        guard (1...64).contains(name.count), name.unicodeScalars.allSatisfy(allowed.contains) else {
            return nil
        }
        return name
    }

    /// Admits `hello` whose signature was already checked against `hello.deviceKey`; a
    /// refusal of a known company's agent is written to that company's audit trail.
    func admit(_ hello: ControlMessage.Hello) async throws -> Admitted {
        do {
            return try await admitting(hello)
        } catch let refusal as Refused {
            if let tenant = try? await TenantRegistry(database: database).find(
                companyID: hello.company)
            {
                try? await AuditTrail(database: database).record(
                    .enrollmentRefused, tenantID: tenant.id, actor: "agent",
                    subject: String(hello.name.prefix(64)), address: address,
                    detail: "Agent refused (\(refusal.code)): \(refusal.message)")
            }
            throw refusal
        }
    }

    private func admitting(_ hello: ControlMessage.Hello) async throws -> Admitted {
        guard let name = Self.normalizedName(hello.name) else {
            throw Refused(
                code: "invalid_name",
                message: "Connection names use 1–64 letters, digits, '.', '_' or '-'.")
        }
        guard
            let tenant = try await TenantRegistry(database: database).find(companyID: hello.company)
        else {
            throw Refused(
                code: "unknown_company", message: "No company \(hello.company) exists here.")
        }
        guard tenant.status != .terminated else {
            throw Refused(code: "tenant_inactive", message: "This company's contract has ended.")
        }
        let tenantID = try tenant.requireID()
        let mode = Device.Mode(rawValue: hello.mode) ?? .attended
        // A key already enrolled here is that device, whatever name the agent was started
        // with (an admin may have renamed it): no token is spent on it again.
        let byKey = try await Device.query(on: database).filter(\.$tenant.$id == tenantID)
            .filter(\.$publicKey == hello.deviceKey).first()
        if byKey == nil, let token = hello.enrollToken, !token.isEmpty {
            return try await enroll(hello, name: name, tenant: tenant, token: token, mode: mode)
        }
        let byName = try await Device.query(on: database).filter(\.$tenant.$id == tenantID)
            .filter(\.$connectionName == name).first()
        guard let device = byKey ?? byName else {
            throw Refused(
                code: "unknown_device",
                message:
                    "\(name) is not enrolled in \(tenant.companyID); start the agent once with --enroll-token."
            )
        }
        guard device.publicKey == hello.deviceKey else {
            throw Refused(
                code: "device_key_mismatch",
                message:
                    "\(name) is enrolled with another device key; re-enroll it with a new --enroll-token."
            )
        }
        if let password = hello.connectionPassword, !password.isEmpty {
            try Self.checkPassword(password)
            device.connectionPasswordHash = try await hasher.hash(password)
        }
        // The mode stays what enrollment or an admin set; an agent run in attended mode asks
        // its user anyway (it enforces its own `--mode`).
        try await device.save(on: database)
        return Admitted(
            deviceID: try device.requireID(), tenantID: tenantID, company: tenant.companyID,
            name: device.connectionName, enrolled: false)
    }

    /// Enrolls a new device or, where a tenant admin allowed it, an existing one again. The
    /// cheap checks (token, name) come before the slow hash, so a flood of made-up tokens
    /// costs the server no bcrypt work; the token is spent inside one transaction.
    private func enroll(
        _ hello: ControlMessage.Hello, name: String, tenant: Tenant, token: String,
        mode: Device.Mode
    ) async throws -> Admitted {
        guard let password = hello.connectionPassword, !password.isEmpty else {
            throw Refused(
                code: "password_required",
                message: "Enrollment needs the device's connection password (--password-stdin).")
        }
        try Self.checkPassword(password)
        let tenantID = try tenant.requireID()
        let tokenHash = SecretToken.storedHash(of: token)
        let usable: @Sendable (any Database) async throws -> EnrollmentToken? = { db in
            try await EnrollmentToken.query(on: db).filter(\.$tokenHash == tokenHash)
                .filter(\.$tenant.$id == tenantID).filter(\.$usesRemaining > 0)
                .filter(\.$expiresAt > Date()).first()
        }
        let existing: @Sendable (any Database) async throws -> Device? = { db in
            try await Device.query(on: db).filter(\.$tenant.$id == tenantID)
                .filter(\.$connectionName == name).first()
        }
        guard try await usable(database) != nil else { throw Self.tokenRefusal }
        if let device = try await existing(database) { try Self.requireReenrollable(device) }
        let hash = try await hasher.hash(password)
        let (deviceID, reenrolled): (UUID, Bool) = try await database.transaction { tx in
            try await Tenant.lockRow(tenantID, on: tx)
            guard let row = try await usable(tx) else { throw Self.tokenRefusal }
            let found = try await existing(tx)
            if let found { try Self.requireReenrollable(found) }
            row.usesRemaining -= 1
            try await row.save(on: tx)
            let device =
                found
                ?? Device(
                    tenantID: tenantID, connectionName: name, connectionPasswordHash: hash,
                    publicKey: nil, mode: mode)
            device.publicKey = hello.deviceKey
            device.connectionPasswordHash = hash
            device.mode = mode
            device.reenrollAllowedUntil = nil
            device.keyConflictAt = nil
            device.keyConflictAddress = nil
            try await device.save(on: tx)
            return (try device.requireID(), found != nil)
        }
        if reenrolled {
            try? await AuditTrail(database: database).record(
                .deviceReenrolled, tenantID: tenantID, actor: "agent", subject: name,
                detail: "Enrolled again with a new device key, as an admin allowed.")
        }
        return Admitted(
            deviceID: deviceID, tenantID: tenantID, company: tenant.companyID, name: name,
            enrolled: true)
    }

    private static let tokenRefusal = Refused(
        code: "enrollment_token_invalid",
        message: "The enrollment token is unknown, used up or expired; ask for a new one.")

    /// An existing name is never taken over, unless a tenant admin allowed it to be enrolled
    /// again (the machine was reinstalled and lost its key).
    private static func requireReenrollable(_ device: Device, now: Date = Date()) throws {
        guard let until = device.reenrollAllowedUntil, until > now else {
            throw Refused(
                code: "device_exists",
                message: """
                    \(device.connectionName) is already enrolled in this company; choose another \
                    name, or ask an admin to allow it to enroll again. / この接続名は登録済みです。\
                    別の名前にするか、管理者に再登録を許可してもらってください。
                    """)
        }
    }

    private static func checkPassword(_ password: String) throws {
        guard password.count >= 8, password.count <= 256 else {
            throw Refused(
                code: "weak_password", message: "Connection passwords need 8–256 characters.")
        }
    }
}

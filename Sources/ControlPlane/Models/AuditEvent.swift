import Fluent
import Foundation

/// One entry of the audit trail: something a tenant admin or an auditor must be able to see
/// afterwards (refused attempts, lockouts, refused enrollments, key conflicts). Append-only.
public final class AuditEvent: Model, @unchecked Sendable {
    // @unchecked: see Tenant.
    public static let schema = "audit_events"

    /// What happened.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// An operator login with a wrong company, login or password.
        case loginFailed = "login_failed"
        /// An account or address reached its limit of failed logins and is locked for a while.
        case loginLocked = "login_locked"
        /// A login refused unchecked because of a lock.
        case loginRefused = "login_refused"
        /// A session request with a wrong connection password.
        case devicePasswordWrong = "device_password_wrong"
        /// A device's connection password is locked (for one operator, or for everyone).
        case devicePasswordLocked = "device_password_locked"
        /// A session request refused unchecked because of such a lock.
        case devicePasswordRefused = "device_password_refused"
        /// An agent's enrollment refused (name taken, token unknown or used up).
        case enrollmentRefused = "enrollment_refused"
        /// A tenant admin allowed a device to be enrolled again (a reinstall).
        case reenrollmentAllowed = "reenrollment_allowed"
        /// An existing device was enrolled again with a new key.
        case deviceReenrolled = "device_reenrolled"
        /// A second machine connected with a device key already online elsewhere.
        case deviceKeyConflict = "device_key_conflict"
    }

    @ID(key: .id) public var id: UUID?
    /// The company it concerns; nil for attempts that named no existing company.
    @OptionalParent(key: "tenant_id") public var tenant: Tenant?
    @Field(key: "at") public var at: Date
    @Field(key: "kind") public var kind: Kind
    /// Who did it: an operator's login, `agent`, `cli`.
    @OptionalField(key: "actor") public var actor: String?
    /// What it was done to: a login, a device's connection name.
    @OptionalField(key: "subject") public var subject: String?
    /// The client address it came from.
    @OptionalField(key: "address") public var address: String?
    /// What a person needs to know, in a sentence.
    @Field(key: "detail") public var detail: String

    public init() {}

    public init(
        tenantID: UUID?, kind: Kind, actor: String?, subject: String?, address: String?,
        detail: String, at: Date = Date()
    ) {
        self.$tenant.id = tenantID
        self.kind = kind
        self.actor = actor
        self.subject = subject
        self.address = address
        self.detail = detail
        self.at = at
    }
}

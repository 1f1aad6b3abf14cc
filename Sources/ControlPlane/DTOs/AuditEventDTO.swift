import Foundation
import Vapor

/// An audit event as `GET /api/v1/audit` shows it.
struct AuditEventDTO: Content {
    var at: Date
    var kind: AuditEvent.Kind
    var actor: String?
    var subject: String?
    var address: String?
    var detail: String

    init(_ event: AuditEvent) {
        at = event.at
        kind = event.kind
        actor = event.actor
        subject = event.subject
        address = event.address
        detail = event.detail
    }
}

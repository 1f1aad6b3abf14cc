import Foundation
import Vapor

/// `POST /api/v1/enrollment-tokens` body; both fields optional.
struct CreateEnrollmentTokenRequest: Content {
    /// How many agents may enroll with it (default 1).
    var uses: Int?
    /// Lifetime in hours (default 24).
    var expiresInHours: Double?
}

/// A new enrollment token; the secret is shown only here.
struct EnrollmentTokenDTO: Content {
    var token: String
    var expiresAt: Date
    var uses: Int
    var company: String
    /// The server's key for `tsunagu-agent --server-key`, so the agent pins it from the start
    /// instead of trusting its first contact.
    var serverKey: String
}

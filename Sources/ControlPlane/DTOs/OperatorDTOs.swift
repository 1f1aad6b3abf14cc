import Foundation
import Vapor

/// `POST /api/v1/operators` body.
struct CreateOperatorRequest: Content {
    var login: String
    var password: String
    var role: Operator.Role?
}

/// `PATCH /api/v1/operators/{id}` body.
struct UpdateOperatorRequest: Content {
    var active: Bool
}

/// `GET /api/v1/operators` answer: the roster and its seats.
struct OperatorRosterDTO: Content {
    var seats: Int
    var seatsUsed: Int
    var operators: [OperatorDTO]
}

import Foundation
import TsunaguCore
import Vapor

/// The API's JSON body decoder: refuses a key given twice (Foundation would keep one of them
/// silently) and names the field when a number does not fit it, instead of answering that the
/// whole body is not JSON. Then decodes as Vapor's default JSON decoder does (ISO 8601 dates).
struct StrictJSONDecoder: ContentDecoder {
    private let shape = JSONShapeCheck()

    func decode<D: Decodable>(_ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders)
        throws -> D
    {
        try decode(decodable, from: body, headers: headers, userInfo: [:])
    }

    func decode<D: Decodable>(
        _ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders,
        userInfo: [CodingUserInfoKey: any Sendable]
    ) throws -> D {
        let bytes = Array(body.readableBytesView)
        let report: JSONShapeCheck.Report
        do {
            report = try shape.check(bytes)
        } catch {
            switch error {
            case .duplicateKey(let path):
                throw APIError(
                    .badRequest, "duplicate_field", "The field \(path) is given more than once.")
            case .tooDeep:
                throw APIError(
                    .badRequest, "invalid_json", "The request body is nested too deeply.")
            case .syntax(let offset):
                throw APIError(
                    .badRequest, "invalid_json",
                    "The request body is not valid JSON (at byte \(offset)).")
            }
        }
        let decoder = JSONDecoder.custom(dates: .iso8601)
        decoder.userInfo = userInfo
        do {
            return try decoder.decode(D.self, from: Data(bytes))
        } catch DecodingError.dataCorrupted(let context)
            where context.codingPath.isEmpty && !report.fractionalNumbers.isEmpty
        {
            // The text is well-formed JSON (checked above), so what Foundation calls corrupt
            // is a number with a fraction where a whole number belongs.
            let fields = report.fractionalNumbers.map { $0.isEmpty ? "(body)" : $0 }
            throw APIError(
                .badRequest, "invalid_field",
                "The field \(fields.joined(separator: ", ")) must be a whole number.")
        }
    }
}

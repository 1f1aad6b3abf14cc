import Foundation

/// A tenant's company ID: what operators type at login and what agents present.
///
/// Upper-case letters, digits and `-`, 2–32 characters, so it reads the same on the phone
/// and in a log line. Input is upper-cased before checking.
public struct CompanyID: Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    /// Checks and normalises `text`; nil when it is not a valid company ID.
    public init?(_ text: String) {
        let upper = text.trimmingCharacters(in: .whitespaces).uppercased()
        guard (2...32).contains(upper.count),
            upper.unicodeScalars.allSatisfy({ CompanyID.allowed.contains($0) }),
            upper.first != "-", upper.last != "-"
        else { return nil }
        rawValue = upper
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = CompanyID(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a company ID"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    private static let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-".unicodeScalars)
}

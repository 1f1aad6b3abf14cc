import Foundation

/// The server's base URL as the command line accepts it: `https://` anywhere, plain
/// `http://` only to this machine, because passwords and tokens must never cross a network
/// in clear.
public struct ServerURL: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Why a URL is refused.
    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case notAURL(String)
        case unsupportedScheme(String)
        case plainHTTPNotLoopback(String)
        case extraParts(String)

        public var description: String {
            switch self {
            case .notAURL(let text):
                "not a URL: \(text) / URL ではありません: \(text)"
            case .unsupportedScheme(let text):
                "use https:// (or http:// to this machine): \(text) / https:// を使ってください: \(text)"
            case .plainHTTPNotLoopback(let host):
                "plain http:// is allowed only to this machine (127.0.0.1, ::1, localhost), not to "
                    + "\(host): passwords would cross the network in clear; use https:// / "
                    + "http:// はこのマシン宛てにだけ使えます（パスワードが平文で流れるため）。https:// を使ってください"
            case .extraParts(let text):
                "give only scheme, host, port and path, without user, query or fragment: \(text) / "
                    + "ユーザー名・クエリ・フラグメントを含めないでください"
            }
        }
    }

    /// `scheme://host[:port][/path]` without a trailing slash.
    public let base: String
    /// The host name or address, without IPv6 brackets.
    public let host: String
    /// True for `https://`.
    public let isTLS: Bool

    /// Checks and normalises `text`.
    public init(_ text: String) throws(Refusal) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme,
            let rawHost = components.host, !rawHost.isEmpty
        else { throw .notAURL(text) }
        guard components.user == nil, components.password == nil, components.query == nil,
            components.fragment == nil
        else { throw .extraParts(text) }
        let host = rawHost.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        switch scheme.lowercased() {
        case "https": isTLS = true
        case "http":
            guard ServerURL.isLoopback(host) else { throw .plainHTTPNotLoopback(host) }
            isTLS = false
        default: throw .unsupportedScheme(text)
        }
        self.host = host
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let port = components.port.map { ":\($0)" } ?? ""
        base = "\(isTLS ? "https" : "http")://\(shownHost)\(port)\(path)"
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(base)
    }

    /// The full URL of an API path such as `/api/v1/devices`.
    public func endpoint(_ path: String) -> String {
        base + (path.hasPrefix("/") ? path : "/" + path)
    }

    /// True for `localhost`, `127.0.0.0/8` and `::1`: the only hosts plain HTTP may reach.
    public static func isLoopback(_ host: String) -> Bool {
        let host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127"
            && parts.allSatisfy { UInt8($0) != nil }
    }

    public var description: String { base }
}

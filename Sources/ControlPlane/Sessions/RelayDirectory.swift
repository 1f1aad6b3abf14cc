import Fluent
import Foundation
import TsunaguCore

/// The relays sessions may use: keys for external relays, their load reports, and the
/// choice of the healthiest, least-loaded one for a new session.
public struct RelayDirectory: Sendable {
    let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    /// The id of the relay inside the `tsunagu-server` instance `instance`; external relays
    /// may not take ids that start with `embedded`.
    public static func embeddedID(instance: String) -> String { embeddedPrefix + instance }
    static let embeddedPrefix = "embedded-"

    /// Relay ids: 1–64 of lower-case letters, digits, `-`, `_`, `.`.
    static func isValidID(_ id: String) -> Bool {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-_.".unicodeScalars)
        return (1...64).contains(id.count) && id.unicodeScalars.allSatisfy(allowed.contains)
    }

    /// Registers an external relay and returns its key (shown once, stored hashed).
    public func createKey(relayID: String, url: String) async throws -> String {
        guard Self.isValidID(relayID), !relayID.hasPrefix("embedded") else {
            throw APIError.invalidField("id", "use 1–64 lower-case letters, digits, '-', '_' or '.'")
        }
        guard let scheme = URL(string: url)?.scheme, ["ws", "wss"].contains(scheme) else {
            throw APIError.invalidField("url", "the relay's address for browsers and agents, wss://HOST:PORT/relay/v1")
        }
        let key = SecretToken.generate(prefix: "tsr_")
        if let existing = try await RelayNode.find(relayID, on: database) {
            existing.keyHash = SecretToken.storedHash(of: key)
            existing.url = url
            existing.enabled = true
            try await existing.save(on: database)
        } else {
            try await RelayNode(id: relayID, keyHash: SecretToken.storedHash(of: key), url: url)
                .create(on: database)
        }
        return key
    }

    /// The relay a key belongs to, or nil.
    public func relay(forKey key: String) async throws -> RelayNode? {
        try await RelayNode.query(on: database).filter(\.$keyHash == SecretToken.storedHash(of: key))
            .filter(\.$enabled == true).first()
    }

    /// Makes sure the embedded relay `id` is listed with its URL.
    public func registerEmbedded(id: String, url: String) async throws {
        if let node = try await RelayNode.find(id, on: database) {
            node.url = url
            node.enabled = true
            node.lastReportAt = Date()
            try await node.save(on: database)
        } else {
            let node = RelayNode(id: id, keyHash: nil, url: url)
            node.lastReportAt = Date()
            try await node.create(on: database)
        }
    }

    /// Turns the embedded relay `id` off (the server runs with `--no-embedded-relay`).
    public func disableEmbedded(id: String) async throws {
        try await RelayNode.query(on: database).filter(\.$id == id)
            .set(\.$enabled, to: false).update()
    }

    /// Records a load report.
    public func record(_ report: RelayReport, from relayID: String, at now: Date = Date()) async throws {
        try await RelayNode.query(on: database).filter(\.$id == relayID)
            .set(\.$lastReportAt, to: now).set(\.$sessions, to: report.sessions)
            .set(\.$bytesPerSecond, to: report.bytesPerSecond).set(\.$cpu, to: report.cpu).update()
    }

    /// The healthy relay with the lowest load, or nil when none is healthy.
    public func pick(at now: Date = Date()) async throws -> RelayNode? {
        try await RelayNode.query(on: database).filter(\.$enabled == true).all()
            .filter { $0.isHealthy(at: now) }
            .min { $0.load < $1.load }
    }

    /// Relays that stopped reporting.
    public func unhealthyIDs(at now: Date = Date()) async throws -> Set<String> {
        Set(try await RelayNode.query(on: database).all().filter { !$0.isHealthy(at: now) }.compactMap(\.id))
    }
}

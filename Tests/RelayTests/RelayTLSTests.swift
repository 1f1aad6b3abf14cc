import Foundation
import NIOCore
import NIOSSL
import Relay
import TestSupport
import Testing

/// The raw TCP listener behind TLS (`tsunagu-relay --tcp-listen … --tls-cert --tls-key`): a
/// peer that trusts the certificate pairs and its bytes cross decrypted; one that speaks
/// plain TCP to it is never admitted.
@Suite struct RelayTLSTests {
    private func fixture() async throws -> (RelayFixture, NIOSSLContext) {
        let dir = NSTemporaryDirectory() + "tsunagu-relay-tls-\(UUID())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let certificate = try SelfSignedCertificate(in: dir)
        let chain = try NIOSSLCertificate.fromPEMFile(certificate.certificatePath)
        // The policy `tsunagu-relay` serves with (TLS 1.2+, ECDHE with AEAD only).
        let server = try NIOSSLContext(
            configuration: TLSPolicy.serverConfiguration(
                certificatePath: certificate.certificatePath, keyPath: certificate.keyPath))
        var client = TLSConfiguration.makeClientConfiguration()
        client.trustRoots = .certificates(chain)
        client.certificateVerification = .noHostnameVerification
        try? FileManager.default.removeItem(atPath: dir)
        return (try await RelayFixture.start(tls: server), try NIOSSLContext(configuration: client))
    }

    @Test func peerOverTLSPairsWithAPlainPeer() async throws {
        let (fixture, client) = try await fixture()
        let port = try #require(fixture.tlsPort)
        let op = try await TestPeer.connectTCP(
            port: port, ticket: try await fixture.ticket(session: "tls", role: .operator),
            tls: client)
        #expect(try await op.status() == .waiting)
        let agent = try await TestPeer.connectTCP(
            port: fixture.tcpPort, ticket: try await fixture.ticket(session: "tls", role: .agent))
        #expect(try await agent.status() == .paired)
        #expect(try await op.status() == .paired)

        try await op.send(Array("over TLS".utf8))
        #expect(try await agent.receive(count: 8) == Array("over TLS".utf8))
        try await agent.send([UInt8](repeating: 0x42, count: 100_000))
        #expect(try await op.receive(count: 100_000) == [UInt8](repeating: 0x42, count: 100_000))

        await op.close()
        let end = try await fixture.nextEnd()
        #expect(end.reason == .operatorClosed && end.bytesFromOperator == 8)
        #expect(end.bytesFromAgent == 100_000)
        await agent.close()
        await fixture.relay.shutdown()
    }

    @Test func plainTCPOnTheTLSPortIsNeverAdmitted() async throws {
        let (fixture, _) = try await fixture()
        let port = try #require(fixture.tlsPort)
        let peer = try await TestPeer.connectTCP(
            port: port, ticket: try await fixture.ticket(session: "plain", role: .operator))
        try await peer.waitForClose()
        #expect(peer.inbox.withLockedValue { $0.statuses.isEmpty })
        #expect(fixture.relay.stats.waiting == 0)
        await fixture.relay.shutdown()
    }
}

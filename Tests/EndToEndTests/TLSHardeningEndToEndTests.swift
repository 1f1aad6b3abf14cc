import Foundation
import TestSupport
import Testing

/// testssl.sh against the real TLS listeners — `tsunagu-server serve --tls-cert --tls-key`
/// and `tsunagu-relay --tcp-listen … --tls-cert --tls-key` — proves the shared `TLSPolicy`
/// from outside: no SSLv2/SSLv3/TLS 1.0/TLS 1.1, TLS 1.2 only with ECDHE and AEAD (no CBC, no
/// static RSA key exchange).
///
/// The certificate is RSA on purpose: with an RSA key a default OpenSSL/BoringSSL cipher list
/// also offers static RSA key exchange and ECDHE-RSA with CBC, which is what the policy must
/// remove. testssl is a test dependency (`scripts/install-deps --test`); its absence fails.
@Suite(.serialized)
struct TLSHardeningEndToEndTests {
    /// One line of testssl's `--jsonfile` output.
    struct Finding: Decodable {
        let id: String
        let finding: String
    }

    @Test func controlPlaneHTTPSOffersOnlyModernForwardSecretAEAD() async throws {
        let live = try LiveProcesses()
        defer { live.stopAll() }
        let server = try #require(
            LiveProcesses.binary("tsunagu-server"), "tsunagu-server not built")
        let (certificate, key) = try Self.rsaCertificate(in: live)
        let port = LiveProcesses.freePort()
        try live.start(
            server,
            [
                "serve", "--data-dir", live.path("data"), "--listen", "127.0.0.1:\(port)",
                "--tls-cert", certificate, "--tls-key", key,
            ], log: "server.log")
        #expect(
            await live.wait(timeout: 60) { Self.accepts(port: port) },
            "the server never listened: \(live.log("server.log"))")
        let findings = try await Self.testssl(port: port, live: live)
        Self.expectHardened(findings, target: "tsunagu-server")
    }

    @Test func relayTLSListenerOffersOnlyModernForwardSecretAEAD() async throws {
        let stack = try Stack()
        stack.serverOptions = ["--no-embedded-relay"]
        #expect(try await stack.startServer(), "\(stack.live.log("server.log"))")
        let relay = try #require(LiveProcesses.binary("tsunagu-relay"), "tsunagu-relay not built")
        let (certificate, keyFile) = try Self.rsaCertificate(in: stack.live)
        let webSocketPort = Stack.freePort()
        let tlsPort = Stack.freePort()
        let relayKey = try stack.admin([
            "relay-key", "create", "--id", "relay-tls", "--url",
            "ws://127.0.0.1:\(webSocketPort)/relay/v1",
        ]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(relayKey.hasPrefix("tsr_"), "\(relayKey)")
        try stack.live.start(
            relay,
            [
                "--listen", "127.0.0.1:\(webSocketPort)", "--server", stack.base, "--relay-key",
                relayKey, "--tcp-listen", "127.0.0.1:\(tlsPort)", "--tls-cert", certificate,
                "--tls-key", keyFile, "--report-interval", "1",
            ], log: "relay.log")
        #expect(
            await stack.live.wait(timeout: 30) { Self.accepts(port: tlsPort) },
            "the relay never listened: \(stack.live.log("relay.log"))")
        let findings = try await Self.testssl(port: tlsPort, live: stack.live)
        Self.expectHardened(findings, target: "tsunagu-relay")
    }

    // MARK: - Helpers

    /// The policy, as testssl's findings must show it.
    static func expectHardened(_ findings: [Finding], target: String) {
        func finding(_ id: String) -> String? { findings.first { $0.id == id }?.finding }
        for old in ["SSLv2", "SSLv3", "TLS1", "TLS1_1"] {
            let result = finding(old)
            #expect(
                result?.hasPrefix("not offered") == true,
                "\(target): \(old) must not be offered; testssl says \(result ?? "nothing")")
        }
        #expect(
            finding("TLS1_2")?.hasPrefix("offered") == true,
            "\(target): TLS 1.2 must be offered; testssl says \(finding("TLS1_2") ?? "nothing")")

        // "x1301   TLS_AES_128_GCM_SHA256   ECDH 253   AESGCM   128   TLS_AES_128_GCM_SHA256":
        // hex code, OpenSSL name, key exchange (and its size), encryption, bits, IANA name.
        let ciphers = findings.filter { $0.id.hasPrefix("cipher_x") }
        #expect(!ciphers.isEmpty, "\(target): testssl found no cipher at all: \(findings)")
        for cipher in ciphers {
            let columns = cipher.finding.split(separator: " ").map(String.init)
            guard columns.count >= 6, let iana = columns.last else {
                Issue.record("\(target): unreadable cipher line \(cipher.finding)")
                continue
            }
            let keyExchange = columns[2]
            let encryption = columns[columns.count - 3]
            let tls13 = iana.hasPrefix("TLS_AES_") || iana.hasPrefix("TLS_CHACHA20_")
            #expect(
                keyExchange == "ECDH",
                "\(target): \(iana) has key exchange \(keyExchange), not ECDHE (forward secret)")
            #expect(
                tls13 || iana.hasPrefix("TLS_ECDHE_"),
                "\(target): \(iana) is not an ECDHE suite (static RSA or finite-field DH)")
            #expect(!iana.contains("CBC"), "\(target): CBC suite offered: \(iana)")
            #expect(
                ["AESGCM", "CHACHA20"].contains(encryption),
                "\(target): \(iana) encrypts with \(encryption), not an AEAD cipher")
        }
    }

    /// Runs testssl's protocol and per-cipher checks (about 10 s on loopback) and reads its
    /// JSON findings.
    static func testssl(port: Int, live: LiveProcesses) async throws -> [Finding] {
        // `run` finds the tool on PATH and names its log after it: pass the bare name.
        try #require(
            LiveProcesses.which("testssl") != nil,
            "testssl is not installed: apt-get install testssl.sh (scripts/install-deps --test)")
        let json = live.path("testssl-\(port).json")
        let started = Date()
        let status = try await live.run(
            "testssl",
            [
                "--quiet", "--fast", "--protocols", "--each-cipher", "--warnings", "off",
                "--color", "0", "--jsonfile", json, "127.0.0.1:\(port)",
            ], timeout: 120)
        let elapsed = Date().timeIntervalSince(started)
        #expect(status != -1, "testssl did not finish within 120 s")
        #expect(elapsed < 60, "testssl took \(Int(elapsed)) s")
        let data = try #require(
            FileManager.default.contents(atPath: json),
            "testssl wrote no \(json) (exit status \(status))")
        return try JSONDecoder().decode([Finding].self, from: data)
    }

    /// A throwaway RSA-2048 certificate for 127.0.0.1.
    static func rsaCertificate(in live: LiveProcesses) throws -> (certificate: String, key: String)
    {
        let certificate = live.path("rsa-cert.pem")
        let key = live.path("rsa-key.pem")
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
            "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out",
            certificate,
        ]
        openssl.standardError = FileHandle.nullDevice
        LiveProcesses.markDescriptorsCloseOnExec()
        try openssl.run()
        openssl.waitUntilExit()
        try #require(openssl.terminationStatus == 0, "openssl could not make an RSA certificate")
        return (certificate, key)
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    static func accepts(port: Int) -> Bool {
        guard let fd = try? LiveProcesses.connectLoopback(port: port) else { return false }
        close(fd)
        return true
    }
}

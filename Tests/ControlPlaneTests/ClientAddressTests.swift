import ControlPlane
import Testing

@Suite("Client address")
struct ClientAddressTests {
    @Test func rangesParseAndMatch() throws {
        let v4 = try #require(AddressRange("10.1.0.0/16"))
        #expect(v4.contains("10.1.200.3"))
        #expect(!v4.contains("10.2.0.1"))
        #expect(v4.contains("::ffff:10.1.0.9"), "IPv4-mapped IPv6 is the same address")
        let host = try #require(AddressRange("127.0.0.1"))
        #expect(host.contains("127.0.0.1") && !host.contains("127.0.0.2"))
        let v6 = try #require(AddressRange("fd00::/8"))
        #expect(v6.contains("fd12:3456::1") && !v6.contains("fe80::1") && !v6.contains("10.1.0.1"))
        #expect(AddressRange("10.0.0.0/33") == nil)
        #expect(AddressRange("proxy.example") == nil)
        #expect(AddressRange("0.0.0.0/0")?.contains("203.0.113.9") == true)
        #expect(v4.description == "10.1.0.0/16")
    }

    let resolver = ClientAddressResolver(trustedProxies: [
        AddressRange("127.0.0.1")!, AddressRange("10.0.0.0/8")!,
    ])

    @Test func headersOfUntrustedPeersAreIgnored() {
        #expect(
            resolver.resolve(peer: "198.51.100.7", forwarded: [], forwardedFor: ["203.0.113.1"])
                == "198.51.100.7")
        #expect(
            resolver.resolve(peer: "198.51.100.7", forwarded: ["for=203.0.113.1"], forwardedFor: [])
                == "198.51.100.7")
    }

    @Test func aTrustedProxyNamesTheClient() {
        #expect(
            resolver.resolve(peer: "127.0.0.1", forwarded: [], forwardedFor: ["203.0.113.1"])
                == "203.0.113.1")
        // A client that sends its own X-Forwarded-For gets it appended to: the rightmost
        // untrusted hop is the one our proxy saw.
        #expect(
            resolver.resolve(
                peer: "127.0.0.1", forwarded: [], forwardedFor: ["1.2.3.4, 203.0.113.1"])
                == "203.0.113.1")
        // Chains of trusted proxies are walked.
        #expect(
            resolver.resolve(
                peer: "127.0.0.1", forwarded: [], forwardedFor: ["203.0.113.1, 10.0.0.5"])
                == "203.0.113.1")
        #expect(resolver.resolve(peer: "127.0.0.1", forwarded: [], forwardedFor: []) == "127.0.0.1")
    }

    @Test func forwardedHeaderSyntax() {
        #expect(
            resolver.resolve(
                peer: "127.0.0.1", forwarded: [#"for="[2001:db8::1]:4711";proto=https"#],
                forwardedFor: ["9.9.9.9"])
                == "2001:db8::1", "Forwarded wins over X-Forwarded-For")
        #expect(
            resolver.resolve(
                peer: "127.0.0.1", forwarded: ["for=192.0.2.60:8080, for=10.0.0.2"],
                forwardedFor: []) == "192.0.2.60")
        // An obfuscated or unknown hop: the last proxy that named it is all we know.
        #expect(
            resolver.resolve(
                peer: "127.0.0.1", forwarded: ["for=_hidden, for=10.0.0.2"], forwardedFor: [])
                == "10.0.0.2")
        #expect(
            resolver.resolve(peer: "127.0.0.1", forwarded: [], forwardedFor: ["unknown"])
                == "127.0.0.1")
    }
}

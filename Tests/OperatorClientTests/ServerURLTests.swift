import Testing

@testable import OperatorClient

/// Plain HTTP only to this machine; HTTPS anywhere; nothing else.
struct ServerURLTests {
    @Test(arguments: [
        ("https://support.example.com", "https://support.example.com"),
        ("https://support.example.com/", "https://support.example.com"),
        ("https://Support.Example.com:8443/tsunagu/", "https://support.example.com:8443/tsunagu"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.1.2.3:8080/", "http://127.1.2.3:8080"),
        ("http://localhost:8080", "http://localhost:8080"),
        ("HTTP://LOCALHOST", "http://localhost"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("https://[2001:db8::1]:443", "https://[2001:db8::1]:443"),
    ])
    func accepted(text: String, base: String) throws {
        #expect(try ServerURL(text).base == base)
    }

    @Test func plainHTTPElsewhereIsRefused() {
        #expect(throws: ServerURL.Refusal.plainHTTPNotLoopback("example.com")) {
            try ServerURL("http://example.com")
        }
        #expect(throws: ServerURL.Refusal.plainHTTPNotLoopback("192.168.1.10")) {
            try ServerURL("http://192.168.1.10:8080")
        }
        // Looks like loopback, is not.
        #expect(throws: ServerURL.Refusal.plainHTTPNotLoopback("127.0.0.1.evil.example")) {
            try ServerURL("http://127.0.0.1.evil.example")
        }
        #expect(throws: ServerURL.Refusal.plainHTTPNotLoopback("localhost.example")) {
            try ServerURL("http://localhost.example")
        }
    }

    @Test func otherSchemesAndExtrasAreRefused() {
        #expect(throws: ServerURL.Refusal.self) { try ServerURL("ftp://example.com") }
        #expect(throws: ServerURL.Refusal.self) { try ServerURL("example.com") }
        #expect(throws: ServerURL.Refusal.self) { try ServerURL("") }
        #expect(throws: ServerURL.Refusal.extraParts("https://u:p@example.com")) {
            try ServerURL("https://u:p@example.com")
        }
        #expect(throws: ServerURL.Refusal.self) { try ServerURL("https://example.com/?x=1") }
        #expect(throws: ServerURL.Refusal.self) { try ServerURL("https://example.com/#frag") }
    }

    @Test func endpointsJoinWithOneSlash() throws {
        let url = try ServerURL("https://example.com/base/")
        #expect(url.endpoint("/api/v1/devices") == "https://example.com/base/api/v1/devices")
        #expect(url.endpoint("api/v1/devices") == "https://example.com/base/api/v1/devices")
    }

    @Test func loopbackRules() {
        #expect(ServerURL.isLoopback("127.0.0.1"))
        #expect(ServerURL.isLoopback("[::1]"))
        #expect(!ServerURL.isLoopback("127.0.0.256"))
        #expect(!ServerURL.isLoopback("0.0.0.0"))
        #expect(!ServerURL.isLoopback("::"))
    }

    @Test func refusalsSayWhyInBothLanguages() {
        let text = ServerURL.Refusal.plainHTTPNotLoopback("example.com").description
        #expect(text.contains("https://") && text.contains("平文"))
    }
}

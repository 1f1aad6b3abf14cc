import ControlPlane
import Foundation
import Testing

@Suite("Server configuration")
struct ConfigurationTests {
    @Test func plainHTTPOnlyOnLoopback() throws {
        for host in ["127.0.0.1", "localhost", "::1", "127.0.0.5"] {
            try ServerConfiguration(listenHost: host).validate()
        }
        for host in ["0.0.0.0", "192.0.2.10", "::", "support.example"] {
            #expect(throws: ServerConfiguration.Invalid.self) {
                try ServerConfiguration(listenHost: host).validate()
            }
        }
        try ServerConfiguration(
            listenHost: "0.0.0.0", tls: .init(certificatePath: "c.pem", keyPath: "k.pem")
        ).validate()
    }

    @Test func hostPortParsing() throws {
        let v4 = try ServerConfiguration.parseHostPort("127.0.0.1:8080")
        #expect(v4.host == "127.0.0.1" && v4.port == 8080)
        let v6 = try ServerConfiguration.parseHostPort("[::1]:9000")
        #expect(v6.host == "::1" && v6.port == 9000)
        #expect(throws: ServerConfiguration.Invalid.self) { try ServerConfiguration.parseHostPort("8080") }
        #expect(throws: ServerConfiguration.Invalid.self) { try ServerConfiguration.parseHostPort(":8080") }
    }

    @Test func weakHashCostIsRefused() {
        #expect(throws: ServerConfiguration.Invalid.self) {
            try ServerConfiguration(passwordCost: 4).validate()
        }
    }
}

@Suite("PostgreSQL availability")
struct PostgresAvailabilityTests {
    /// `make test` promises both databases; a missing PostgreSQL must fail, not skip.
    @Test func postgresIsThereWhenRequired() {
        let required = ProcessInfo.processInfo.environment["TSUNAGU_REQUIRE_POSTGRES"] == "1"
        if required {
            #expect(TestDatabase.available.contains(.postgres), "make test must run against PostgreSQL too")
        }
    }
}


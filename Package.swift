// swift-tools-version:6.0
import PackageDescription

/// Tsunagu: a self-hostable remote-support service. See README.md and DESIGN.md's code layout.
let package = Package(
    name: "Tsunagu",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.110.0"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.12.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.8.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.10.0"),
        .package(url: "https://github.com/vapor/websocket-kit.git", from: "2.15.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.34.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.24.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // C libraries from Debian's -dev packages.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(
            name: "CXCB", pkgConfig: "xcb",
            providers: [
                .apt([
                    "libxcb1-dev", "libxcb-shm0-dev", "libxcb-xtest0-dev", "libxcb-damage0-dev",
                    "libxcb-xfixes0-dev", "libxcb-randr0-dev",
                ])
            ]),

        // Shared values: ids, wire messages of the agent's control connection, errors.
        .target(
            name: "TsunaguCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ]),

        // RFB 3.8 server protocol and encoders: bytes in, bytes out, no I/O.
        .target(name: "RFB", dependencies: ["CZlib", "CTurboJPEG"]),

        // Screen sources and input sinks: X11 through XCB.
        .target(name: "Screen", dependencies: ["CXCB", "RFB"]),

        // The relay as a library: pairing, splice with backpressure, limits, counters.
        .target(
            name: "Relay",
            dependencies: [
                "TsunaguCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // The control plane: Vapor application, models, migrations, routes, services.
        .target(
            name: "ControlPlane",
            dependencies: [
                "TsunaguCore", "Relay",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                // ServerQuiescingHelper: graceful shutdown of our own HTTP server.
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                // Indexes, which Fluent's schema builder cannot declare.
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),

        // The client side of the relay protocol, shared by the agent and the operator CLI.
        .target(
            name: "RelayClient",
            dependencies: [
                "TsunaguCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),

        // The operator's API client and local VNC bridge, for the `tsunagu` command line.
        .target(
            name: "OperatorClient",
            dependencies: [
                "TsunaguCore", "RelayClient",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // The files channel: a pure codec, roots that paths cannot leave, and both ends of a
        // windowed, resumable, hash-checked transfer over any NIO channel.
        .target(
            name: "FileTransfer",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["PROTOCOL.md"]),

        // The terminal channel: a pure codec, a PTY, terminals that outlive a dropped
        // connection for a while, and both ends over any NIO channel.
        .target(
            name: "Terminal",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["PROTOCOL.md"]),

        // The agent runtime: control connection, RFB server I/O, local VNC listener, gateway.
        .target(
            name: "Agent",
            dependencies: [
                "TsunaguCore", "RFB", "Screen", "RelayClient", "Terminal", "FileTransfer",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "WebSocketKit", package: "websocket-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        .executableTarget(
            name: "tsunagu-server",
            dependencies: [
                "ControlPlane", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "tsunagu",
            dependencies: [
                "OperatorClient", "Terminal", "RelayClient", "TsunaguCore", "FileTransfer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        .executableTarget(
            name: "tsunagu-relay",
            dependencies: [
                "Relay", "TsunaguCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "tsunagu-agent",
            dependencies: [
                "Agent", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        .testTarget(name: "TsunaguCoreTests", dependencies: ["TsunaguCore", "TestSupport"]),
        .testTarget(name: "ConsoleTests", dependencies: ["TestSupport"], exclude: ["browser"]),
        .testTarget(
            name: "OperatorClientTests",
            dependencies: [
                "OperatorClient", "RelayClient", "TestSupport", "TsunaguCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        .testTarget(
            name: "RelayTests",
            dependencies: [
                "Relay", "TsunaguCore", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .testTarget(name: "RFBTests", dependencies: ["RFB", "CZlib", "CTurboJPEG", "TestSupport"]),
        .testTarget(name: "ScreenTests", dependencies: ["Screen", "RFB", "CXCB", "TestSupport"]),
        .testTarget(
            name: "ControlPlaneTests",
            dependencies: [
                "ControlPlane", "TsunaguCore", "TestSupport",
                .product(name: "VaporTesting", package: "vapor"),
                // Raw SQL in tests: a trigger that refuses a write, standing for a full disk.
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]),
        // Helpers shared by the test targets that run real processes.
        .target(name: "TestSupport", dependencies: ["TsunaguCore"], path: "Tests/TestSupport"),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["TestSupport", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["scripts"]),
        .testTarget(
            name: "FileTransferTests",
            dependencies: [
                "FileTransfer", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .testTarget(
            name: "TerminalTests",
            dependencies: [
                "Terminal", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        .testTarget(
            name: "AgentTests",
            dependencies: [
                "Agent", "RFB", "Screen", "TsunaguCore", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)

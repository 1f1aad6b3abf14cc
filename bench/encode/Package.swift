// swift-tools-version:6.0
import PackageDescription

/// Times `UpdateEncoder` on synthetic 1920×1080 frames. Standalone so it builds without the
/// main package's Vapor graph; `Sources/RFB`, `CZlib` and `CTurboJPEG` are symlinks to the
/// main package's. Run: `swift run -c release --package-path bench/encode`.
let package = Package(
    name: "EncodeBench",
    targets: [
        .systemLibrary(name: "CZlib", pkgConfig: "zlib"),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg"),
        .target(name: "RFB", dependencies: ["CZlib", "CTurboJPEG"]),
        .executableTarget(name: "EncodeBench", dependencies: ["RFB"]),
    ],
    swiftLanguageModes: [.v6]
)

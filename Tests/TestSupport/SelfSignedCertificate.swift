import Foundation

/// A throwaway P-256 certificate for 127.0.0.1, made with Debian's `openssl`, for tests of
/// TLS listeners.
public struct SelfSignedCertificate: Sendable {
    /// PEM certificate (also the trust root a client needs).
    public let certificatePath: String
    /// PEM private key.
    public let keyPath: String

    /// Writes `cert.pem` and `key.pem` into `directory`.
    public init(in directory: String) throws {
        certificatePath = directory + "/cert.pem"
        keyPath = directory + "/key.pem"
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", keyPath, "-out", certificatePath,
        ]
        openssl.standardError = FileHandle.nullDevice
        LiveProcesses.markDescriptorsCloseOnExec()
        try openssl.run()
        openssl.waitUntilExit()
        guard openssl.terminationStatus == 0 else {
            throw SetupFailure("openssl could not make a certificate")
        }
    }
}

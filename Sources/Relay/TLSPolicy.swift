import NIOSSL

/// The one TLS server policy of every Tsunagu listener: the control plane's HTTPS and the
/// standalone relay's TLS listener build their configuration here, so that a change of policy
/// is made once.
///
/// - TLS 1.2 at least, TLS 1.3 allowed (its suites are all AEAD with forward secrecy and
///   BoringSSL does not let them be configured).
/// - For TLS 1.2 only ECDHE key exchange with AEAD ciphers (AES-GCM, ChaCha20-Poly1305): no
///   static RSA key exchange (no forward secrecy), no CBC (padding oracles: Lucky 13,
///   POODLE-style), no finite-field DHE (weak or slow groups in the wild).
/// - The server's cipher order is *not* enforced: NIOSSL exposes no way to set BoringSSL's
///   `SSL_OP_CIPHER_SERVER_PREFERENCE`. With only AEAD suites left every choice a client can
///   make is a strong one, so the client's order costs nothing.
public enum TLSPolicy {
    /// The lowest protocol version a client may negotiate.
    public static let minimumVersion = TLSVersion.tlsv12

    /// The TLS 1.2 suites offered, strongest first. ECDSA suites serve an EC certificate,
    /// RSA suites an RSA certificate (RSA there only signs; the key exchange is ECDHE).
    public static let tls12CipherSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ]

    /// A server configuration under this policy.
    /// - Parameters:
    ///   - certificateChain: the server's certificate first, then its intermediates.
    ///   - privateKey: the key of the first certificate.
    public static func serverConfiguration(
        certificateChain: [NIOSSLCertificateSource], privateKey: NIOSSLPrivateKeySource
    ) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificateChain, privateKey: privateKey)
        configuration.minimumTLSVersion = minimumVersion
        configuration.maximumTLSVersion = nil
        configuration.cipherSuiteValues = tls12CipherSuites
        return configuration
    }

    /// A server configuration under this policy from PEM files.
    /// - Parameters:
    ///   - certificatePath: PEM certificate chain, the server's certificate first.
    ///   - keyPath: PEM private key.
    /// - Throws: NIOSSL's error when a file cannot be read or parsed.
    public static func serverConfiguration(certificatePath: String, keyPath: String) throws
        -> TLSConfiguration
    {
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath).map {
            NIOSSLCertificateSource.certificate($0)
        }
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        return serverConfiguration(certificateChain: chain, privateKey: .privateKey(key))
    }
}

import ArgumentParser

/// `--ca-file`: an extra CA certificate (PEM) for a server whose certificate the system's
/// trust roots do not vouch for, as with a company's own CA.
struct TLSOptions: ParsableArguments {
    @Option(
        name: .customLong("ca-file"),
        help: "An extra trusted CA certificate (PEM). / 追加で信頼する CA 証明書 (PEM)")
    var caFile: String?
}

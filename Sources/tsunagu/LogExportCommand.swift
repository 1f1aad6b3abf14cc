import ArgumentParser
import Foundation
import OperatorClient

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `tsunagu log export [--from D] [--to D] [--format csv|json] [--output F]`: the connection
/// log as the server keeps it (admins: the whole company; operators: their own sessions).
struct LogExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export the connection log as CSV or JSON. / 接続ログを出力")

    @Option(help: "First day (YYYY-MM-DD or an ISO 8601 time). / 開始日")
    var from: String?

    @Option(help: "Last day, included (YYYY-MM-DD or an ISO 8601 time). / 終了日")
    var to: String?

    @Option(help: "csv or json. / 形式")
    var format: String = "csv"

    @Option(help: "Write to this file instead of standard output. / 出力ファイル")
    var output: String?

    @OptionGroup var tls: TLSOptions

    func validate() throws {
        guard TsunaguAPI.LogFormat(rawValue: format) != nil else {
            throw ValidationError("--format must be csv or json / --format は csv か json です")
        }
    }

    func run() async throws {
        let format = TsunaguAPI.LogFormat(rawValue: format) ?? .csv
        let credentials = try CLI.loadCredentials()
        guard let output else {
            try await CLI.withAPI(credentials, caFile: tls.caFile) { api in
                try await api.exportConnectionLog(from: from, to: to, format: format) { chunk in
                    FileHandle.standardOutput.write(Data(chunk.readableBytesView))
                }
            }
            return
        }
        // Into a temporary file beside the target, renamed at the end: an interrupted export
        // never leaves a truncated log that looks complete. 0600: it names people and addresses.
        let temporary = output + ".partial-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw CLIFailure(
                "cannot write \(output): \(String(cString: strerror(errno))) / 書き込めません")
        }
        let file = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        do {
            try await CLI.withAPI(credentials, caFile: tls.caFile) { api in
                try await api.exportConnectionLog(from: from, to: to, format: format) { chunk in
                    try file.write(contentsOf: Data(chunk.readableBytesView))
                }
            }
            try file.synchronize()
            try file.close()
            guard rename(temporary, output) == 0 else {
                throw CLIFailure(
                    "cannot write \(output): \(String(cString: strerror(errno))) / 書き込めません")
            }
        } catch {
            try? file.close()
            unlink(temporary)
            throw error
        }
        CLI.warn("Wrote \(output). / \(output) に書き出しました。")
    }
}

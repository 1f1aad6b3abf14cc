import ArgumentParser
import FileTransfer
import Foundation

/// `tsunagu files ls NAME --password-stdin [REMOTE-DIR]`: one entry per line — kind, size,
/// modification time, name — or the device's shared folders without a REMOTE-DIR.
struct FilesListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls", abstract: "List a folder on the device. / デバイスのフォルダーの一覧")

    @OptionGroup var device: FilesDeviceOptions

    @Argument(help: "An absolute folder path on the device (default: its shared folders). / 絶対パス")
    var remoteFolder: String = "/"

    func run() async throws {
        let folder = remoteFolder
        let entries = try await FilesSession.run(device) { files in try await files.list(folder) }
        let formatter = ISO8601DateFormatter()
        for entry in entries {
            let kind =
                switch entry.kind {
                case .file: "-"
                case .folder: "d"
                case .symlink: "l"
                case .other: "?"
                }
            let time = formatter.string(
                from: Date(timeIntervalSince1970: TimeInterval(entry.modified.seconds)))
            let size = String(entry.size)
            CLI.say(
                "\(kind)\(String(entry.mode, radix: 8)) \(String(repeating: " ", count: max(0, 14 - size.count)))\(size) \(time) \(entry.name)"
            )
        }
    }
}

import ArgumentParser
import FileTransfer

/// `tsunagu files pull NAME --password-stdin REMOTE… LOCAL-DIR [--resume]`: fetches files and
/// folders (recursively) from the device into a local folder, each verified by SHA-256.
struct FilesPullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull", abstract: "Fetch files from the device. / デバイスからファイルを取得する")

    @OptionGroup var device: FilesDeviceOptions

    @Argument(
        help: "The device's files or folders (absolute), then a local folder. / 取得するファイルと保存先フォルダー")
    var paths: [String] = []

    @Flag(help: "Continue an earlier, cut transfer of the same files. / 中断した転送を再開する")
    var resume = false

    func validate() throws {
        guard paths.count >= 2 else {
            throw ValidationError(
                "give at least one remote path and a local folder / 取得するファイルと保存先を指定してください")
        }
    }

    func run() async throws {
        let (remotes, local) = (Array(paths.dropLast()), paths.last!)
        let resume = resume
        try await FilesSession.run(device) { files in
            try FilesClient.makeLocalFolder(local)
            let plan = try await files.planDownload(remotes, into: local)
            for path in plan.skipped {
                CLI.warn("skipped \(path): not a regular file / 通常ファイルではないため省略")
            }
            for folder in plan.folders { try FilesClient.makeLocalFolder(folder) }
            let bar = TransferProgressBar(totalBytes: plan.totalBytes, files: plan.files.count)
            for item in plan.files {
                let report = try await files.download(
                    item.remotePath, to: item.localPath, resume: resume,
                    progress: bar.observer(for: item.size))
                bar.finished(item.size, report: report)
            }
            bar.end()
        }
    }
}

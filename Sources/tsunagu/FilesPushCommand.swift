import ArgumentParser
import FileTransfer

/// `tsunagu files push NAME --password-stdin LOCAL… REMOTE-DIR [--resume]`: sends files and
/// folders (recursively) into a folder on the device, each verified by SHA-256.
struct FilesPushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push", abstract: "Send files to the device. / デバイスへファイルを送る")

    @OptionGroup var device: FilesDeviceOptions

    @Argument(
        help: "Local files or folders, then the device's folder (absolute). / 送るファイルと送り先フォルダー")
    var paths: [String] = []

    @Flag(help: "Continue an earlier, cut transfer of the same files. / 中断した転送を再開する")
    var resume = false

    @Flag(
        name: .customLong("skip-existing"),
        help: "Leave files that already exist on the device. / 既存のファイルはそのままにする")
    var skipExisting = false

    func validate() throws {
        guard paths.count >= 2 else {
            throw ValidationError(
                "give at least one local path and the device's folder / 送るファイルと送り先を指定してください")
        }
        if resume && skipExisting {
            throw ValidationError("--resume and --skip-existing exclude each other")
        }
    }

    func run() async throws {
        let (locals, remote) = (Array(paths.dropLast()), paths.last!)
        let policy: WritePolicy = resume ? .resume : skipExisting ? .skip : .overwrite
        try await FilesSession.run(device) { files in
            let plan = try await files.planUpload(locals, into: remote)
            for path in plan.skipped {
                CLI.warn("skipped \(path): not a regular file / 通常ファイルではないため省略")
            }
            for folder in plan.folders {
                do {
                    try await files.makeFolder(folder)
                } catch let error as FileError where error.code == .exists {}
            }
            let bar = TransferProgressBar(totalBytes: plan.totalBytes, files: plan.files.count)
            for item in plan.files {
                let report = try await files.upload(
                    item.localPath, to: item.remotePath, policy: policy,
                    progress: bar.observer(for: item.size))
                bar.finished(item.size, report: report)
            }
            bar.end()
        }
    }
}

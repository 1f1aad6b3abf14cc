import FileTransfer
import Foundation

/// Turns `--files-root` options into checked roots: each an absolute path to an existing
/// folder; none given means the home folder of the user the agent runs as.
enum FilesRootsChoice {
    /// Why the roots cannot be served; the agent does not start.
    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    static func roots(_ paths: [String]) throws -> FileRoots {
        let chosen = paths.isEmpty ? [FileManager.default.homeDirectoryForCurrentUser.path] : paths
        do {
            return try FileRoots(chosen)
        } catch {
            throw Problem(
                description:
                    "--files-root: \(error.message) (an absolute path to an existing folder) / 共有フォルダーには存在するフォルダーの絶対パスを指定してください"
            )
        }
    }
}

/// Where `tsunagu-agent run` takes its one-time enrolment token from, in order of precedence:
/// `--enroll-token T`, `--enroll-token-file FILE`, the environment variable
/// `TSUNAGU_ENROLL_TOKEN`.
///
/// The file and the environment exist because a command line is visible to every local user
/// (`ps`, `/proc/PID/cmdline`) for as long as the agent runs; a token read from a file with
/// tight permissions, or from the environment of the agent's own service, is not.
public enum AgentEnrollTokenSource {
    /// The environment variable read when neither option is given.
    public static let environmentVariable = "TSUNAGU_ENROLL_TOKEN"

    /// Why no token could be taken from the place that was named.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// `--enroll-token-file` names a file that cannot be read.
        case unreadableFile(path: String, reason: String)
        /// `--enroll-token-file` names a file that holds only whitespace.
        case emptyFile(path: String)

        public var description: String {
            switch self {
            case .unreadableFile(let path, let reason):
                return "--enroll-token-file \(path) cannot be read: \(reason)"
            case .emptyFile(let path):
                return "--enroll-token-file \(path) is empty"
            }
        }
    }

    /// The token to enrol with, or nil when none was given anywhere (a device that has
    /// enrolled before needs none).
    /// - Parameters:
    ///   - flag: `--enroll-token`, used as given.
    ///   - file: `--enroll-token-file`; its contents are trimmed of whitespace and newlines.
    ///     Read only when `flag` is nil.
    ///   - environment: the process environment; an empty variable counts as absent.
    ///   - readFile: reads a file's text (the real file system in the agent, a table in tests).
    /// - Throws: ``Failure`` when the file is named but unreadable or empty.
    public static func resolve(
        flag: String?, file: String?, environment: [String: String],
        readFile: (String) throws -> String
    ) throws(Failure) -> String? {
        if let flag { return flag }
        if let file {
            let text: String
            do {
                text = try readFile(file)
            } catch {
                throw .unreadableFile(path: file, reason: "\(error)")
            }
            let token = trimmed(text)
            guard !token.isEmpty else { throw .emptyFile(path: file) }
            return token
        }
        if let value = environment[environmentVariable] {
            let token = trimmed(value)
            return token.isEmpty ? nil : token
        }
        return nil
    }

    private static func trimmed(_ text: String) -> String {
        String(
            text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}

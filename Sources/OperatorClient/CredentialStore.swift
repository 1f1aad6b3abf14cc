import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Keeps `Credentials` in `$TSUNAGU_CONFIG_DIR/credentials.json` or
/// `~/.config/tsunagu/credentials.json`: the directory mode 0700, the file mode 0600, and
/// every write atomic (a temporary file in the same directory, synced, then renamed), so a
/// crash or a full disk never leaves half a token and nobody else can read it.
public struct CredentialStore: Sendable {
    /// Why credentials could not be read or written.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case notLoggedIn
        case expired(Date)
        case unreadable(String)
        case writeFailed(String)

        public var description: String {
            switch self {
            case .notLoggedIn:
                "not logged in: run tsunagu login first / ログインしていません。先に tsunagu login を実行してください"
            case .expired(let date):
                "your login expired at \(ISO8601DateFormatter().string(from: date)): run tsunagu login first"
                    + " / ログインの有効期限が切れました。先に tsunagu login を実行してください"
            case .unreadable(let why):
                "cannot read the saved login (\(why)): run tsunagu login first"
                    + " / 保存されたログイン情報を読めません。先に tsunagu login を実行してください"
            case .writeFailed(let why):
                "cannot save the login: \(why) / ログイン情報を保存できません: \(why)"
            }
        }
    }

    /// The directory holding `credentials.json`.
    public let directory: URL

    /// The credentials file.
    public var fileURL: URL { directory.appendingPathComponent("credentials.json") }

    /// A store in `directory`.
    public init(directory: URL) {
        self.directory = directory
    }

    /// The store the command line uses: `TSUNAGU_CONFIG_DIR`, else `XDG_CONFIG_HOME/tsunagu`,
    /// else `~/.config/tsunagu`.
    public static func standard(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> CredentialStore {
        if let dir = environment["TSUNAGU_CONFIG_DIR"], !dir.isEmpty {
            return CredentialStore(directory: URL(fileURLWithPath: dir))
        }
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            return CredentialStore(
                directory: URL(fileURLWithPath: xdg).appendingPathComponent("tsunagu"))
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return CredentialStore(
            directory: URL(fileURLWithPath: home).appendingPathComponent(".config/tsunagu"))
    }

    /// The saved credentials; throws `.notLoggedIn` or `.expired` when there are none usable.
    public func load(now: Date = Date()) throws(Failure) -> Credentials {
        let data: Data
        do {
            data = try Data(contentsOf: fileURL)
        } catch {
            if !FileManager.default.fileExists(atPath: fileURL.path) { throw .notLoggedIn }
            throw .unreadable(String(describing: error))
        }
        let credentials: Credentials
        do {
            credentials = try Self.decoder.decode(Credentials.self, from: data)
        } catch {
            throw .unreadable("\(fileURL.path) is damaged")
        }
        if credentials.isExpired(at: now) { throw .expired(credentials.expiresAt) }
        return credentials
    }

    /// Saves `credentials`, replacing what was there in one step.
    public func save(_ credentials: Credentials) throws(Failure) {
        let data: Data
        do {
            data = try Self.encoder.encode(credentials)
        } catch {
            throw .writeFailed(String(describing: error))
        }
        try makeDirectory()
        try writeAtomically(data)
    }

    /// Forgets the saved login (nothing to do when there is none).
    public func remove() throws(Failure) {
        if unlink(fileURL.path) != 0 && errno != ENOENT {
            throw .writeFailed(String(cString: strerror(errno)))
        }
    }

    private func makeDirectory() throws(Failure) {
        do {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        } catch {
            throw .writeFailed("cannot create \(directory.path): \(error)")
        }
    }

    private func writeAtomically(_ data: Data) throws(Failure) {
        let target = fileURL.path
        let temporary = directory.appendingPathComponent(
            ".credentials.json.\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        ).path
        // O_EXCL: never follow or reuse a file someone else put there.
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw .writeFailed("\(temporary): \(String(cString: strerror(errno)))")
        }
        var failure: String?
        // The umask could only narrow 0600, but a umask of 0 or an odd default ACL must not widen it.
        if fchmod(fd, 0o600) != 0 { failure = String(cString: strerror(errno)) }
        if failure == nil {
            failure = data.withUnsafeBytes { raw -> String? in
                var offset = 0
                while offset < raw.count {
                    let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return String(cString: strerror(errno))
                    }
                    offset += written
                }
                return nil
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if failure == nil && rename(temporary, target) != 0 {
            failure = String(cString: strerror(errno))
        }
        if let failure {
            unlink(temporary)
            throw .writeFailed("\(target): \(failure)")
        }
        // The rename is durable only once the directory entry is.
        let dirFD = open(directory.path, O_RDONLY | O_CLOEXEC)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

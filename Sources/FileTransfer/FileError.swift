#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failure of a files-channel operation: a closed set of codes that both ends (and a
/// JavaScript client) can act on, and a message for a human.
public struct FileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong. The raw value is what travels on the wire (see PROTOCOL.md) and what
    /// logs show; the set is fixed per protocol version.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The path is not inside any allowed root (or resolves, through a link, outside).
        case outsideRoot = "outside_root"
        /// Nothing exists at the path (or at its parent, for a new entry).
        case notFound = "not_found"
        /// A folder was expected.
        case notAFolder = "not_a_folder"
        /// A file was expected, and the path is a folder.
        case isAFolder = "is_a_folder"
        /// The entry exists and the operation does not replace it.
        case exists
        /// The operating system refused access, or the entry is a root.
        case permissionDenied = "permission_denied"
        /// No space left (ENOSPC) or over quota (EDQUOT).
        case diskFull = "disk_full"
        /// The whole file's SHA-256 differs from the sender's.
        case hashMismatch = "hash_mismatch"
        /// The request is malformed, out of order, or over a limit.
        case badRequest = "bad_request"
        /// The peer or the local caller cancelled the transfer.
        case cancelled
        /// Any other input/output failure, including a lost connection.
        case ioError = "io_error"
        /// The peers speak different protocol versions.
        case unsupportedVersion = "unsupported_version"
    }

    /// The closed-set reason.
    public var code: Code
    /// A sentence for a human, naming the path where one is involved.
    public var message: String

    /// A failure with `code` and a human `message`.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

extension FileError {
    /// Maps an `errno` from a system call to a code, with a message naming what was done.
    init(errno number: Int32, _ what: String) {
        let reason = String(cString: strerror(number))
        let code: Code
        switch number {
        case ENOENT: code = .notFound
        case ENOTDIR: code = .notAFolder
        case EISDIR: code = .isAFolder
        case EEXIST, ENOTEMPTY: code = .exists
        case EACCES, EPERM, EROFS: code = .permissionDenied
        case ENOSPC, EDQUOT: code = .diskFull
        case ENAMETOOLONG, EINVAL: code = .badRequest
        // O_NOFOLLOW on a link answers ELOOP: a link where a plain file was required.
        case ELOOP: code = .outsideRoot
        default: code = .ioError
        }
        self.init(code, "\(what): \(reason)")
    }

    /// The error for the connection going away under an operation.
    static let connectionClosed = FileError(.ioError, "the connection closed")
}

import Crypto
import NIOCore

/// One message of the files channel, as value types; `FileFrameEncoder` and
/// `FileFrameDecoder` turn it into and from frames. PROTOCOL.md is the wire reference.
///
/// Requests carry a `requestID` chosen by the client and echoed by the reply; streaming
/// messages carry a `transferID` chosen by the server in `readOpened`/`writeOpened`.
public enum FileMessage: Sendable, Hashable {
    // MARK: Handshake
    /// The first frame each way: the protocol version the sender speaks.
    case hello(version: UInt16)

    // MARK: Requests (client to server)
    /// The entries of a folder (or the roots, for `/` and folders above the roots).
    case list(requestID: UInt32, path: String)
    /// The entry at a path, following links inside the roots.
    case stat(requestID: UInt32, path: String)
    /// Makes one folder (its parent must exist).
    case makeFolder(requestID: UInt32, path: String)
    /// Renames or moves an entry (a link is renamed, not followed).
    case rename(requestID: UInt32, from: String, to: String)
    /// Deletes a file, a link, or a folder (`recursive` for one that is not empty).
    case delete(requestID: UInt32, path: String, recursive: Bool)
    /// Starts a download from `offset` if the server's first `offset` bytes hash to
    /// `prefixSHA256`, else from 0. `offset` must be 0 when `prefixSHA256` is nil.
    case openRead(requestID: UInt32, path: String, offset: UInt64, prefixSHA256: FileDigest?)
    /// Starts an upload of `size` bytes to be given `mode` and `modified` when complete.
    case openWrite(
        requestID: UInt32, path: String, size: UInt64, mode: UInt32, modified: FileTimestamp,
        policy: WritePolicy)

    // MARK: Replies (server to client)
    /// Some of a folder's entries; `more` says further `entries` frames follow for the request.
    case entries(requestID: UInt32, entries: [FileEntry], more: Bool)
    /// The entry asked for by `stat`.
    case statReply(requestID: UInt32, entry: FileEntry)
    /// The request succeeded and has nothing to say.
    case ok(requestID: UInt32)
    /// The request failed. Request ID 0 is the connection itself (bad frame, version).
    case failure(requestID: UInt32, error: FileError)
    /// A download is open; data from `startOffset` follows at once.
    case readOpened(
        requestID: UInt32, transferID: UInt32, size: UInt64, startOffset: UInt64, mode: UInt32,
        modified: FileTimestamp)
    /// An upload is open; the client sends data from `offset`.
    case writeOpened(requestID: UInt32, transferID: UInt32, offset: UInt64)
    /// The upload was not opened because the target exists and the policy is `skip`.
    case skipped(requestID: UInt32)

    // MARK: Streaming (both ways)
    /// File bytes, in order, following the last `data` of the transfer.
    case data(transferID: UInt32, bytes: ByteBuffer)
    /// The receiver has written the file up to `offset` (counted from the file's start).
    case ack(transferID: UInt32, offset: UInt64)
    /// The sender has sent everything; the SHA-256 of the whole file.
    case finish(transferID: UInt32, sha256: FileDigest)
    /// The receiver verified the whole file and put it in place.
    case done(transferID: UInt32, sha256: FileDigest)
    /// Stops a transfer; partial data is kept for a resume.
    case cancel(transferID: UInt32)
    /// A transfer failed (either end may say so); the transfer is over.
    case transferFailed(transferID: UInt32, error: FileError)
}

/// The kind of a folder entry, as `lstat` sees it.
public enum FileKind: UInt8, Sendable, Hashable, CaseIterable {
    case file = 0
    case folder = 1
    case symlink = 2
    /// Devices, sockets, pipes: listed, never transferred.
    case other = 3
}

/// What an upload does when the target already exists.
public enum WritePolicy: UInt8, Sendable, Hashable, CaseIterable {
    /// Replace the target.
    case overwrite = 0
    /// Leave the target alone and answer `skipped`.
    case skip = 1
    /// Continue an earlier partial upload (`<name>.tsunagu-part`) if there is one; otherwise
    /// write the whole file, replacing the target.
    case resume = 2
    /// Fail with `exists`.
    case refuseIfExists = 3
}

/// A modification time: seconds since 1970 and nanoseconds within the second.
public struct FileTimestamp: Sendable, Hashable, Comparable {
    /// Seconds since 1970-01-01 UTC (negative before).
    public var seconds: Int64
    /// 0 ..< 1,000,000,000.
    public var nanoseconds: UInt32

    /// A timestamp; `nanoseconds` must be below one billion.
    public init(seconds: Int64, nanoseconds: UInt32 = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }
}

/// One entry of a folder listing, or the answer to `stat`.
public struct FileEntry: Sendable, Hashable {
    /// The entry's name within its folder; for the listing of roots, the root's whole path.
    public var name: String
    /// File, folder, link or other.
    public var kind: FileKind
    /// Size in bytes (a link's own size for `symlink`).
    public var size: UInt64
    /// Permission bits (`mode & 0o7777`).
    public var mode: UInt32
    /// Last modification.
    public var modified: FileTimestamp

    /// An entry.
    public init(name: String, kind: FileKind, size: UInt64, mode: UInt32, modified: FileTimestamp) {
        self.name = name
        self.kind = kind
        self.size = size
        self.mode = mode
        self.modified = modified
    }
}

/// A SHA-256 digest as 32 bytes.
public struct FileDigest: Sendable, Hashable, CustomStringConvertible {
    /// Exactly 32 bytes.
    public let bytes: [UInt8]

    /// The digest of `bytes`, which must be 32 long.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    /// The bytes of a computed digest.
    public init(_ digest: SHA256Digest) {
        self.bytes = Array(digest)
    }

    /// Lower-case hexadecimal, 64 characters.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { hex }
}

extension FileMessage {
    /// The version this build speaks.
    public static let protocolVersion: UInt16 = 1
}

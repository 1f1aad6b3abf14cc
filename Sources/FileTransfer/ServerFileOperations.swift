import Crypto

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The agent's file operations, blocking, each starting from a remote path checked by
/// `FileRoots`. `FileServerHandler` runs them on its thread pool.
enum ServerFileOperations {
    /// The suffix of a partial file beside its target.
    static let partSuffix = ".tsunagu-part"

    static func list(_ path: String, roots: FileRoots) throws(FileError) -> [FileEntry] {
        if let listed = try roots.rootsListed(at: path) {
            var entries: [FileEntry] = []
            for root in listed {
                // A root that vanished since the agent started is left out, not an error.
                guard let info = try? Posix.statFollowingLinks(root.realPath) else { continue }
                entries.append(info.entry(named: root.path))
            }
            return entries
        }
        let resolved = try roots.resolve(path)
        return try Posix.listFolder(resolved.localPath)
    }

    static func stat(_ path: String, roots: FileRoots) throws(FileError) -> FileEntry {
        let resolved = try roots.resolve(path)
        guard let info = try Posix.statFollowingLinks(resolved.localPath) else {
            throw FileError(.notFound, "\(path) does not exist")
        }
        return info.entry(named: lastComponent(resolved.path))
    }

    static func makeFolder(_ path: String, roots: FileRoots) throws(FileError) {
        let resolved = try roots.resolveEntry(path)
        do {
            try Posix.makeFolder(resolved.localPath)
        } catch  where error.code == .exists {
            throw FileError(.exists, "\(path) already exists")
        }
    }

    /// Renames without ever replacing: a target that exists is `exists`.
    static func rename(_ from: String, to: String, roots: FileRoots) throws(FileError) {
        let source = try roots.resolveEntry(from)
        let destination = try roots.resolveEntry(to)
        guard try Posix.lstat(source.localPath) != nil else {
            throw FileError(.notFound, "\(from) does not exist")
        }
        guard try Posix.lstat(destination.localPath) == nil else {
            throw FileError(.exists, "\(to) already exists")
        }
        try Posix.rename(source.localPath, destination.localPath)
    }

    static func delete(_ path: String, recursive: Bool, roots: FileRoots) throws(FileError) {
        let resolved = try roots.resolveEntry(path)
        guard let info = try Posix.lstat(resolved.localPath) else {
            throw FileError(.notFound, "\(path) does not exist")
        }
        if info.kind != .folder {
            try Posix.unlink(resolved.localPath)
        } else if recursive {
            try Posix.removeTree(resolved.localPath)
        } else if rmdir(resolved.localPath) != 0 {
            if errno == ENOTEMPTY || errno == EEXIST {
                throw FileError(
                    .badRequest, "the folder \(path) is not empty; delete it recursively")
            }
            throw FileError(errno: errno, "cannot delete \(path)")
        }
    }

    /// An opened download.
    struct ReadOpening: Sendable {
        var fd: Int32
        var path: String
        var size: UInt64
        var startOffset: UInt64
        var mode: UInt32
        var modified: FileTimestamp
        /// Fed with the bytes before `startOffset`.
        var hasher: SHA256
    }

    /// Opens a file for download. With a prefix digest, hashes the first `offset` bytes and
    /// starts there if they match, else from 0.
    static func openRead(
        _ path: String, offset: UInt64, prefix: FileDigest?, roots: FileRoots
    ) throws(FileError) -> ReadOpening {
        let resolved = try roots.resolve(path)
        let fd = try Posix.open(resolved.localPath, O_RDONLY | O_NOFOLLOW)
        do throws(FileError) {
            guard roots.descriptorIsInside(fd) else {
                throw FileError(.outsideRoot, "\(path) is outside the shared folders")
            }
            let info = try Posix.fstat(fd, path)
            switch info.kind {
            case .file: break
            case .folder: throw FileError(.isAFolder, "\(path) is a folder")
            case .symlink, .other: throw FileError(.badRequest, "\(path) is not a regular file")
            }
            let size = UInt64(info.st_size)
            var start: UInt64 = 0
            var hasher = SHA256()
            if let prefix, offset > 0, offset <= size {
                var prefixHasher = SHA256()
                try Posix.hash(fd, count: offset, into: &prefixHasher, path)
                if FileDigest(prefixHasher.finalize()) == prefix {
                    start = offset
                    hasher = prefixHasher
                }
            }
            return ReadOpening(
                fd: fd, path: resolved.path, size: size, startOffset: start,
                mode: UInt32(info.st_mode) & 0o7777, modified: info.modified, hasher: hasher)
        } catch {
            Posix.close(fd)
            throw error
        }
    }

    /// An opened upload, or the decision not to open one.
    enum WriteOpening: Sendable {
        case skipped
        case opened(fd: Int32, offset: UInt64, hasher: SHA256, target: IncomingTransfer.Target)
    }

    /// Opens (creating) `<name>.tsunagu-part` beside the target, locked, and applies the
    /// policy: `resume` keeps an existing partial file that is not longer than `size`;
    /// every other policy starts it from 0.
    static func openWrite(
        _ path: String, size: UInt64, mode: UInt32, modified: FileTimestamp,
        policy: WritePolicy, roots: FileRoots
    ) throws(FileError) -> WriteOpening {
        let resolved = try roots.resolveEntry(path)
        let local = resolved.localPath
        if let existing = try Posix.lstat(local) {
            if existing.kind == .folder { throw FileError(.isAFolder, "\(path) is a folder") }
            switch policy {
            case .skip: return .skipped
            case .refuseIfExists: throw FileError(.exists, "\(path) already exists")
            case .overwrite, .resume: break
            }
        }
        let partPath = local + partSuffix
        let fd = try Posix.open(partPath, O_RDWR | O_CREAT | O_NOFOLLOW, mode: 0o600)
        do throws(FileError) {
            guard roots.descriptorIsInside(fd) else {
                throw FileError(.outsideRoot, "\(path) is outside the shared folders")
            }
            guard try Posix.fstat(fd, partPath).kind == .file else {
                throw FileError(.badRequest, "\(partPath) is not a regular file")
            }
            try Posix.lockExclusively(fd, partPath)
            let partLength = UInt64(try Posix.fstat(fd, partPath).st_size)
            var offset: UInt64 = 0
            var hasher = SHA256()
            if policy == .resume, partLength <= size {
                offset = partLength
                try Posix.hash(fd, count: offset, into: &hasher, partPath)
            }
            // The receiver also cuts to the offset before writing; doing it here makes the
            // part's length right even if nothing more arrives.
            try Posix.truncate(fd, to: offset, partPath)
            var commitCheck: (@Sendable () throws(FileError) -> Void)?
            if policy == .skip || policy == .refuseIfExists {
                // The target may have appeared while the upload ran; never replace it then.
                commitCheck = { () throws(FileError) in
                    if try Posix.lstat(local) != nil {
                        throw FileError(.exists, "\(path) appeared during the upload")
                    }
                }
            }
            let target = IncomingTransfer.Target(
                partPath: partPath, finalPath: local, mode: mode, modified: modified,
                commitCheck: commitCheck)
            return .opened(fd: fd, offset: offset, hasher: hasher, target: target)
        } catch {
            Posix.close(fd)
            throw error
        }
    }

    static func lastComponent(_ path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return path }
        let name = String(path[path.utf8.index(after: slash)...])
        return name.isEmpty ? "/" : name
    }
}

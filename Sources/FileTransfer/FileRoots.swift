/// The folders of the agent's machine that the files channel may touch, and the only way a
/// remote path becomes a local one.
///
/// A remote path is an absolute path on the agent's machine. It is refused when it is
/// relative, holds a NUL byte, a `.` or `..` component, or is longer than
/// `FileProtocolLimits.maximumPathLength`; and when its real path (every link resolved: of the
/// path itself, or of its parent for an entry that is created, renamed or deleted) is not
/// inside the real path of a root. A link inside a root that points elsewhere inside a root is
/// followed; one that points out is refused. A path that is not even lexically under a root
/// answers `outside_root` whether or not it exists, so a client cannot probe the rest of the
/// disk.
///
/// The methods that resolve paths call `realpath` and so block: call them on a thread pool.
public struct FileRoots: Sendable {
    /// One allowed folder.
    public struct Root: Sendable, Hashable {
        /// The path as configured (normalised): what the listing of roots shows.
        public let path: String
        /// Its real path when the roots were made, against which resolved paths are checked.
        public let realPath: String
    }

    /// A path that passed the checks: the local path to use.
    public struct Resolved: Sendable, Hashable {
        /// The normalised remote path (what reports and logs show).
        public let path: String
        /// The local path to open: real for `resolve`, real parent plus name for `resolveEntry`.
        public let localPath: String
        /// The root it lies in.
        public let root: Root
    }

    /// The roots, in the order given.
    public let roots: [Root]

    /// Roots for `paths`, each an absolute path to an existing folder (links resolved now).
    public init(_ paths: [String]) throws(FileError) {
        var roots: [Root] = []
        for path in paths {
            let normalised = try Self.normalise(path)
            let real = try Posix.realPath(normalised)
            guard let info = try Posix.statFollowingLinks(real), info.kind == .folder else {
                throw FileError(.notAFolder, "the root \(path) is not a folder")
            }
            roots.append(Root(path: normalised, realPath: real))
        }
        self.roots = roots
    }

    /// Checks a remote path's form (absolute, no NUL, no `.` or `..`, not too long) and
    /// answers it with repeated and trailing slashes removed. Does not touch the disk.
    public static func normalise(_ path: String) throws(FileError) -> String {
        guard path.utf8.count <= FileProtocolLimits.maximumPathLength else {
            throw FileError(
                .badRequest, "the path is longer than \(FileProtocolLimits.maximumPathLength) bytes"
            )
        }
        guard path.utf8.first == UInt8(ascii: "/") else {
            throw FileError(.badRequest, "\(path) is not an absolute path")
        }
        guard !path.utf8.contains(0) else {
            throw FileError(.badRequest, "the path holds a NUL byte")
        }
        let components = path.utf8.split(separator: UInt8(ascii: "/"))
        for component in components {
            if component.elementsEqual("..".utf8) || component.elementsEqual(".".utf8) {
                throw FileError(.badRequest, "\(path) holds a '.' or '..' component")
            }
        }
        return "/" + components.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "/")
    }

    /// Resolves an existing entry, following links: for listing, `stat` and downloads.
    public func resolve(_ path: String) throws(FileError) -> Resolved {
        let normalised = try Self.normalise(path)
        guard lexicalRoot(of: normalised) != nil else { throw outside(path) }
        let real: String
        do {
            real = try Posix.realPath(normalised)
        } catch {
            throw error.code == .outsideRoot ? outside(path) : error
        }
        guard let root = root(containing: real) else { throw outside(path) }
        return Resolved(path: normalised, localPath: real, root: root)
    }

    /// Resolves an entry to be created, renamed or deleted: its parent's links are followed,
    /// the entry itself is not (deleting a link removes the link). A root itself is refused.
    public func resolveEntry(_ path: String) throws(FileError) -> Resolved {
        let normalised = try Self.normalise(path)
        if roots.contains(where: { $0.path == normalised || $0.realPath == normalised }) {
            throw FileError(
                .permissionDenied, "\(path) is a root, which cannot be replaced, renamed or deleted"
            )
        }
        guard normalised != "/", lexicalRoot(of: normalised) != nil else { throw outside(path) }
        let slash = normalised.utf8.lastIndex(of: UInt8(ascii: "/"))!
        let parent = slash == normalised.utf8.startIndex ? "/" : String(normalised[..<slash])
        let name = String(normalised[normalised.utf8.index(after: slash)...])
        let realParent: String
        do {
            realParent = try Posix.realPath(parent)
        } catch {
            throw error.code == .outsideRoot ? outside(path) : error
        }
        guard let root = root(containing: realParent) else { throw outside(path) }
        let local = realParent == "/" ? "/" + name : realParent + "/" + name
        if roots.contains(where: { $0.realPath == local }) {
            throw FileError(
                .permissionDenied, "\(path) is a root, which cannot be replaced, renamed or deleted"
            )
        }
        return Resolved(path: normalised, localPath: local, root: root)
    }

    /// The roots to list for `path` when it is `/` or a folder above roots (and not inside
    /// one): each shown with its whole path as its name, so that a client can start there.
    /// Nil when `path` is inside a root or is no ancestor of any.
    public func rootsListed(at path: String) throws(FileError) -> [Root]? {
        let normalised = try Self.normalise(path)
        guard lexicalRoot(of: normalised) == nil else { return nil }
        let below = roots.filter {
            Self.isInside($0.path, normalised) || Self.isInside($0.realPath, normalised)
        }
        return below.isEmpty ? nil : below
    }

    /// Whether an opened descriptor's real path is inside a root: checked after each open,
    /// so that a link swapped in between resolving and opening is caught.
    func descriptorIsInside(_ fd: Int32) -> Bool {
        // Where the system cannot say (no /proc), the O_NOFOLLOW open is the guard.
        guard let path = Posix.descriptorPath(fd) else { return true }
        return root(containing: path) != nil
    }

    /// The root whose real path contains `real` (byte-wise: no Unicode equivalence games).
    func root(containing real: String) -> Root? {
        roots.first {
            Self.isInside(real, $0.realPath) || real.utf8.elementsEqual($0.realPath.utf8)
        }
    }

    /// The root that `path` is lexically under (or is), by configured or real path.
    private func lexicalRoot(of path: String) -> Root? {
        roots.first {
            path.utf8.elementsEqual($0.path.utf8) || path.utf8.elementsEqual($0.realPath.utf8)
                || Self.isInside(path, $0.path) || Self.isInside(path, $0.realPath)
        }
    }

    /// True when `path` is strictly below `folder`.
    private static func isInside(_ path: String, _ folder: String) -> Bool {
        if folder == "/" { return path.utf8.count > 1 && path.utf8.first == UInt8(ascii: "/") }
        let prefix = Array(folder.utf8) + [UInt8(ascii: "/")]
        return path.utf8.count > prefix.count && path.utf8.starts(with: prefix)
    }

    private func outside(_ path: String) -> FileError {
        FileError(.outsideRoot, "\(path) is outside the shared folders")
    }
}

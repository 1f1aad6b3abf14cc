#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Posix {
    /// The entries of the folder at `path` (a real path), as `lstat` sees them, sorted by
    /// name. Names that are not UTF-8 are shown with U+FFFD in place of the bad bytes (they
    /// cannot then be opened by name: the protocol carries UTF-8 only).
    static func listFolder(_ path: String) throws(FileError) -> [FileEntry] {
        let fd = try open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        defer { close(fd) }
        var entries: [FileEntry] = []
        try forEachName(in: fd, path) { name throws(FileError) in
            var info = PosixStat()
            guard fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                // Gone between readdir and stat: not an error, just not there any more.
                if errno == ENOENT { return }
                throw FileError(errno: errno, "cannot stat an entry of \(path)")
            }
            let text = String(decoding: name.utf8Bytes, as: UTF8.self)
            entries.append(info.entry(named: text))
        }
        entries.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        return entries
    }

    /// Deletes the folder at `path` and everything in it, never following a link: links are
    /// removed, not their targets, and each subfolder is entered through its descriptor with
    /// O_NOFOLLOW, so swapping one for a link cannot redirect the deletion.
    static func removeTree(_ path: String) throws(FileError) {
        let fd = try open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        do {
            try removeContents(of: fd, path)
        } catch {
            close(fd)
            throw error
        }
        close(fd)
        guard rmdir(path) == 0 else { throw FileError(errno: errno, "cannot delete \(path)") }
    }

    private static func removeContents(of fd: Int32, _ path: String) throws(FileError) {
        var names: [NameBytes] = []
        try forEachName(in: fd, path) { names.append($0) }
        for name in names {
            var info = PosixStat()
            guard fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                if errno == ENOENT { continue }
                throw FileError(errno: errno, "cannot stat an entry of \(path)")
            }
            let display = path + "/" + String(decoding: name.utf8Bytes, as: UTF8.self)
            if info.kind == .folder {
                let child = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard child >= 0 else { throw FileError(errno: errno, "cannot open \(display)") }
                do {
                    try removeContents(of: child, display)
                } catch {
                    close(child)
                    throw error
                }
                close(child)
                guard unlinkat(fd, name, AT_REMOVEDIR) == 0 else {
                    throw FileError(errno: errno, "cannot delete \(display)")
                }
            } else {
                guard unlinkat(fd, name, 0) == 0 else {
                    throw FileError(errno: errno, "cannot delete \(display)")
                }
            }
        }
    }

    /// Calls `body` with each name in the open folder `fd` but `.` and `..`.
    private static func forEachName(
        in fd: Int32, _ path: String, _ body: (NameBytes) throws(FileError) -> Void
    ) throws(FileError) {
        // fdopendir owns the descriptor it is given: hand it a duplicate.
        let copy = dup(fd)
        guard copy >= 0, let folder = fdopendir(copy) else {
            let number = errno
            if copy >= 0 { close(copy) }
            throw FileError(errno: number, "cannot read the folder \(path)")
        }
        defer { closedir(folder) }
        while true {
            errno = 0
            guard let entry = readdir(folder) else {
                if errno != 0 { throw FileError(errno: errno, "cannot read the folder \(path)") }
                return
            }
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) {
                    NameBytes(cString: $0)
                }
            }
            if name.utf8Bytes == [UInt8(ascii: ".")]
                || name.utf8Bytes == [UInt8(ascii: "."), UInt8(ascii: ".")]
            {
                continue
            }
            try body(name)
        }
    }
}

/// A folder entry's name as the bytes the system gave, NUL-terminated for `*at` calls.
struct NameBytes {
    /// With the terminating NUL.
    private let storage: [CChar]

    init(cString: UnsafePointer<CChar>) {
        let length = strlen(cString)
        storage = Array(UnsafeBufferPointer(start: cString, count: length + 1))
    }

    var utf8Bytes: [UInt8] { storage.dropLast().map { UInt8(bitPattern: $0) } }
}

// The `*at` calls with a name.
private func fstatat(_ fd: Int32, _ name: NameBytes, _ info: inout PosixStat, _ flags: Int32)
    -> Int32
{
    name.withCString { fstatat(fd, $0, &info, flags) }
}
private func openat(_ fd: Int32, _ name: NameBytes, _ flags: Int32) -> Int32 {
    name.withCString { openat(fd, $0, flags) }
}
private func unlinkat(_ fd: Int32, _ name: NameBytes, _ flags: Int32) -> Int32 {
    name.withCString { unlinkat(fd, $0, flags) }
}

extension NameBytes {
    fileprivate func withCString<T>(_ body: (UnsafePointer<CChar>) -> T) -> T {
        storage.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

import Crypto
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Blocking system calls, each retried on EINTR and failing with a `FileError` that names
/// the path. Only ever run on a thread pool, never on an event loop.
enum Posix {
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0) throws(FileError) -> Int32 {
        while true {
            let fd = path.withCString { Glibc_open($0, flags | O_CLOEXEC, mode) }
            if fd >= 0 { return fd }
            if errno != EINTR { throw FileError(errno: errno, "cannot open \(path)") }
        }
    }

    static func close(_ fd: Int32) {
        // Not retried: on Linux the descriptor is gone even when close answers EINTR.
        _ = systemClose(fd)
    }

    static func fstat(_ fd: Int32, _ path: String) throws(FileError) -> stat {
        var info = stat()
        guard systemFstat(fd, &info) == 0 else {
            throw FileError(errno: errno, "cannot stat \(path)")
        }
        return info
    }

    /// `lstat`, or nil when nothing is there.
    static func lstat(_ path: String) throws(FileError) -> stat? {
        var info = stat()
        if systemLstat(path, &info) == 0 { return info }
        if errno == ENOENT { return nil }
        throw FileError(errno: errno, "cannot stat \(path)")
    }

    /// `stat` following links, or nil when nothing is there.
    static func statFollowingLinks(_ path: String) throws(FileError) -> PosixStat? {
        var info = PosixStat()
        if systemStat(path, &info) == 0 { return info }
        if errno == ENOENT { return nil }
        throw FileError(errno: errno, "cannot stat \(path)")
    }

    /// Reads up to `count` bytes at `offset`, fewer only at the end of the file.
    static func read(
        _ fd: Int32, count: Int, at offset: UInt64, allocator: ByteBufferAllocator, _ path: String
    ) throws(FileError) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: count)
        var done = 0
        while done < count {
            let got = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count - done) {
                pointer -> Int in
                let n = pread(fd, pointer.baseAddress, count - done, off_t(offset) + off_t(done))
                return n < 0 ? -Int(errno) : n
            }
            if got == 0 { break }
            if got < 0 {
                if -got == Int(EINTR) { continue }
                throw FileError(errno: Int32(-got), "cannot read \(path)")
            }
            done += got
        }
        return buffer
    }

    /// Writes all of `buffer` at `offset`.
    static func write(_ fd: Int32, _ buffer: ByteBuffer, at offset: UInt64, _ path: String)
        throws(FileError)
    {
        var done = 0
        let count = buffer.readableBytes
        while done < count {
            let n = buffer.withUnsafeReadableBytes { pointer in
                pwrite(fd, pointer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(errno: errno, "cannot write \(path)")
            }
            done += n
        }
    }

    /// Hashes the first `count` bytes of `fd` into `hasher`; fails if the file is shorter.
    static func hash(_ fd: Int32, count: UInt64, into hasher: inout SHA256, _ path: String)
        throws(FileError)
    {
        let chunk = 1 << 20
        var offset: UInt64 = 0
        var buffer = [UInt8](repeating: 0, count: chunk)
        while offset < count {
            let want = Int(min(UInt64(chunk), count - offset))
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(offset)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(errno: errno, "cannot read \(path)")
            }
            if n == 0 { throw FileError(.ioError, "\(path) became shorter while it was read") }
            buffer.withUnsafeBytes {
                hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<n]))
            }
            offset += UInt64(n)
        }
    }

    static func truncate(_ fd: Int32, to length: UInt64, _ path: String) throws(FileError) {
        while ftruncate(fd, off_t(length)) != 0 {
            if errno != EINTR { throw FileError(errno: errno, "cannot truncate \(path)") }
        }
    }

    static func sync(_ fd: Int32, _ path: String) throws(FileError) {
        while fsync(fd) != 0 {
            if errno != EINTR { throw FileError(errno: errno, "cannot flush \(path) to disk") }
        }
    }

    /// Gives an open file its permission bits and modification time.
    static func setAttributes(_ fd: Int32, mode: UInt32, modified: FileTimestamp, _ path: String)
        throws(FileError)
    {
        guard fchmod(fd, mode_t(mode & 0o777)) == 0 else {
            throw FileError(errno: errno, "cannot set the mode of \(path)")
        }
        var times = [
            timespec(tv_sec: 0, tv_nsec: utimeOmit),
            timespec(tv_sec: time_t(modified.seconds), tv_nsec: Int(modified.nanoseconds)),
        ]
        guard futimens(fd, &times) == 0 else {
            throw FileError(errno: errno, "cannot set the time of \(path)")
        }
    }

    /// An exclusive advisory lock, so that two transfers (of any connection, or process) never
    /// write one partial file at once.
    static func lockExclusively(_ fd: Int32, _ path: String) throws(FileError) {
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            if errno == EWOULDBLOCK {
                throw FileError(
                    .ioError, "\(path) is being written by another transfer; try again later")
            }
            throw FileError(errno: errno, "cannot lock \(path)")
        }
    }

    static func rename(_ from: String, _ to: String) throws(FileError) {
        guard Glibc_rename(from, to) == 0 else {
            throw FileError(errno: errno, "cannot rename \(from) to \(to)")
        }
    }

    static func unlink(_ path: String) throws(FileError) {
        guard Glibc_unlink(path) == 0 else {
            throw FileError(errno: errno, "cannot delete \(path)")
        }
    }

    static func makeFolder(_ path: String) throws(FileError) {
        guard mkdir(path, 0o755) == 0 else {
            throw FileError(errno: errno, "cannot make the folder \(path)")
        }
    }

    /// The canonical path with every link resolved.
    static func realPath(_ path: String) throws(FileError) -> String {
        guard let resolved = realpath(path, nil) else {
            throw FileError(errno: errno, "cannot resolve \(path)")
        }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The path the kernel holds for an open descriptor, nil where it cannot say.
    static func descriptorPath(_ fd: Int32) -> String? {
        #if os(Linux)
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
            guard n > 0 else { return nil }
            return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #elseif canImport(Darwin)
            var buffer = [CChar](repeating: 0, count: Int(MAXPATHLEN))
            guard fcntl(fd, F_GETPATH, &buffer) == 0 else { return nil }
            return String(cString: buffer)
        #else
            return nil
        #endif
    }
}

/// `UTIME_OMIT`, a macro Swift does not import: leave the access time alone.
#if canImport(Darwin)
    private let utimeOmit = -2
#else
    private let utimeOmit = (1 << 30) - 2
#endif

// The C functions under names that the wrappers above do not shadow.
private func Glibc_open(_ path: UnsafePointer<CChar>, _ flags: Int32, _ mode: mode_t) -> Int32 {
    #if canImport(Glibc)
        Glibc.open(path, flags, mode)
    #else
        Darwin.open(path, flags, mode)
    #endif
}
private func systemClose(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
        Glibc.close(fd)
    #else
        Darwin.close(fd)
    #endif
}
private func systemFstat(_ fd: Int32, _ info: inout stat) -> Int32 {
    #if canImport(Glibc)
        Glibc.fstat(fd, &info)
    #else
        Darwin.fstat(fd, &info)
    #endif
}
private func systemLstat(_ path: String, _ info: inout stat) -> Int32 {
    #if canImport(Glibc)
        Glibc.lstat(path, &info)
    #else
        Darwin.lstat(path, &info)
    #endif
}
private func systemStat(_ path: String, _ info: inout stat) -> Int32 {
    stat(path, &info)
}
typealias PosixStat = stat
private func Glibc_rename(_ from: String, _ to: String) -> Int32 {
    #if canImport(Glibc)
        Glibc.rename(from, to)
    #else
        Darwin.rename(from, to)
    #endif
}
private func Glibc_unlink(_ path: String) -> Int32 {
    #if canImport(Glibc)
        Glibc.unlink(path)
    #else
        Darwin.unlink(path)
    #endif
}

extension stat {
    var kind: FileKind {
        switch st_mode & S_IFMT {
        case S_IFREG: .file
        case S_IFDIR: .folder
        case S_IFLNK: .symlink
        default: .other
        }
    }

    var modified: FileTimestamp {
        #if canImport(Darwin)
            FileTimestamp(
                seconds: Int64(st_mtimespec.tv_sec), nanoseconds: UInt32(st_mtimespec.tv_nsec))
        #else
            FileTimestamp(seconds: Int64(st_mtim.tv_sec), nanoseconds: UInt32(st_mtim.tv_nsec))
        #endif
    }

    func entry(named name: String) -> FileEntry {
        FileEntry(
            name: name, kind: kind, size: UInt64(max(0, st_size)), mode: UInt32(st_mode) & 0o7777,
            modified: modified)
    }
}

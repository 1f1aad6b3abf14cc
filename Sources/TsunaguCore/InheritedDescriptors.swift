#if canImport(Glibc)
    import Glibc
#endif
import Foundation

/// Keeps this process's sockets out of the programs it starts.
///
/// Foundation's `Process` on Linux passes every descriptor without close-on-exec to the
/// child, and not every socket library sets that flag. A child that inherits a connection
/// keeps it open after we close it, so the peer never sees the end (a consent dialog would
/// hold a relay connection open). Call this right before starting a program.
public enum InheritedDescriptors {
    /// Sets close-on-exec on every open descriptor above standard error.
    public static func markCloseOnExec() {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")
        else { return }
        for entry in entries {
            guard let fd = Int32(entry), fd > 2 else { continue }
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 && flags & FD_CLOEXEC == 0 {
                _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC)
            }
        }
    }
}

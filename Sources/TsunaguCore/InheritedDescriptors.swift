import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Keeps this process's network connections out of the programs it starts.
///
/// SwiftNIO opens its sockets without close-on-exec, and Foundation's `Process` on Linux
/// passes every such descriptor to the child. A child that inherits a connection keeps it
/// open after we close it, so the peer never sees the end (a consent dialog would hold a relay
/// connection open for as long as it is shown). Call this right before starting a program.
public enum InheritedDescriptors {
    /// Sets close-on-exec on every open IPv4 and IPv6 socket.
    ///
    /// Only network sockets: Foundation's `Process` learns that a child exited through a
    /// Unix-domain socket pair that the child must inherit, and a pipe or a Unix socket of
    /// another `Process` being started on another thread at this moment must be left alone
    /// (marking those once made a test run hang).
    public static func markSocketsCloseOnExec() {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")
        else { return }
        for entry in entries {
            guard let fd = Int32(entry), fd > 2, isNetworkSocket(fd) else { continue }
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 && flags & FD_CLOEXEC == 0 {
                _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC)
            }
        }
    }

    private static func isNetworkSocket(_ fd: Int32) -> Bool {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { return false }
        let family = Int32(address.ss_family)
        return family == AF_INET || family == AF_INET6
    }
}

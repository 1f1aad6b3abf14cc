#if os(Linux)
    import Glibc

    /// The user the agent runs as, from the password database: a terminal runs as this user
    /// (the agent never changes users), in its home, with its login shell.
    struct LoginAccount: Sendable, Hashable {
        var name: String
        var home: String
        var shell: String

        /// The account of the effective user id. Without an entry (a container with a bare
        /// /etc/passwd) the name is the uid, home is `$HOME` or `/`, the shell `/bin/sh`.
        static func current() -> LoginAccount {
            let uid = geteuid()
            var entry = passwd()
            var result: UnsafeMutablePointer<passwd>?
            var storage = [CChar](repeating: 0, count: 16 * 1024)
            let found = getpwuid_r(uid, &entry, &storage, storage.count, &result)
            let fallbackHome = getenv("HOME").map { String(cString: $0) } ?? "/"
            guard found == 0, result != nil else {
                return LoginAccount(name: "\(uid)", home: fallbackHome, shell: "/bin/sh")
            }
            let name = entry.pw_name.map { String(cString: $0) } ?? "\(uid)"
            let home = entry.pw_dir.map { String(cString: $0) } ?? ""
            let shell = entry.pw_shell.map { String(cString: $0) } ?? ""
            return LoginAccount(
                name: name.isEmpty ? "\(uid)" : name,
                home: home.isEmpty ? fallbackHome : home,
                shell: shell.isEmpty ? "/bin/sh" : shell)
        }
    }
#endif

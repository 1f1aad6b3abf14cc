#if os(Linux)
    import Glibc

    /// glibc functions and constants that Swift's Glibc module does not show: their
    /// declarations sit behind `_GNU_SOURCE` / `_XOPEN_SOURCE` in the headers, which the module
    /// is built without. They are in libc.so.6 all the same, so they are looked up once by name;
    /// a missing one (an older glibc) is nil and its caller falls back or fails with a reason.
    enum HiddenLibC {
        typealias OpenPT = @convention(c) (Int32) -> Int32
        typealias GrantPT = @convention(c) (Int32) -> Int32
        typealias PTSName = @convention(c) (Int32, UnsafeMutablePointer<CChar>?, Int) -> Int32
        typealias AddCloseFrom =
            @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
        typealias AddChdir =
            @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?)
            -> Int32

        /// `posix_openpt(3)`.
        static let posixOpenPT = symbol("posix_openpt", as: OpenPT.self)
        /// `grantpt(3)`.
        static let grantPT = symbol("grantpt", as: GrantPT.self)
        /// `unlockpt(3)`.
        static let unlockPT = symbol("unlockpt", as: GrantPT.self)
        /// `ptsname_r(3)`.
        static let ptsNameR = symbol("ptsname_r", as: PTSName.self)
        /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34).
        static let addCloseFrom = symbol(
            "posix_spawn_file_actions_addclosefrom_np", as: AddCloseFrom.self)
        /// `posix_spawn_file_actions_addchdir_np` (glibc 2.29).
        static let addChdir = symbol("posix_spawn_file_actions_addchdir_np", as: AddChdir.self)

        /// `POSIX_SPAWN_SETSID` of glibc's spawn.h (glibc 2.26): the child calls setsid(2)
        /// before the file actions run, so the terminal it then opens becomes its controlling
        /// terminal.
        static let spawnSetSID: Int16 = 0x80

        private static func symbol<T>(_ name: String, as type: T.Type) -> T? {
            // dlopen(NULL) is the main program and everything it loaded, libc included.
            guard let handle = dlopen(nil, RTLD_NOW), let address = dlsym(handle, name) else {
                return nil
            }
            return unsafeBitCast(address, to: type)
        }
    }
#endif

#if os(Linux)
    import Glibc

    /// The system calls behind `PseudoTerminal.spawn`: a PTY pair and `posix_spawn` (Swift must
    /// not fork: the child of a multithreaded process may only call async-signal-safe functions,
    /// and posix_spawn does exactly that inside libc).
    enum PseudoTerminalSpawn {
        /// Where programs are looked for when the agent has no `PATH` of its own.
        static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

        /// Variables passed on from the agent's environment: the locale and the time zone, so that
        /// the shell prints what the machine's user would see. Nothing else: the agent's
        /// environment can hold its own secrets (an enrolment token), which an operator's shell
        /// must not inherit.
        static let inheritedVariables = [
            "PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "LC_COLLATE",
            "LC_NUMERIC", "LC_TIME", "LC_MONETARY", "TZ",
        ]

        /// The child's environment: a clean base for `account`, then `additions` over it.
        static func environment(account: LoginAccount, additions: [String: String])
            -> [String: String]
        {
            var environment: [String: String] = [:]
            for name in inheritedVariables {
                if let value = getenv(name) { environment[name] = String(cString: value) }
            }
            if environment["PATH"]?.isEmpty ?? true { environment["PATH"] = defaultPath }
            environment["TERM"] = "xterm-256color"
            environment["HOME"] = account.home
            environment["USER"] = account.name
            environment["LOGNAME"] = account.name
            environment["SHELL"] = account.shell
            environment.merge(additions) { $1 }
            return environment
        }

        /// The program to execute and its argv for `command` (the login shell when empty).
        ///
        /// The login shell gets argv[0] "-name", the convention login(1) and sshd use and every
        /// shell understands (not all take `-l`). A command is run directly, not through a shell
        /// (no quoting to get wrong); its program is looked up in the *child's* `PATH`, not the
        /// agent's (posix_spawnp would use the agent's, which a service manager may have cut
        /// short).
        static func program(for command: [String], account: LoginAccount, path: String) throws(
            PseudoTerminal.Error
        ) -> (executable: String, arguments: [String]) {
            guard let name = command.first else {
                let base = account.shell.split(separator: "/").last.map(String.init) ?? "sh"
                return (account.shell, ["-" + base])
            }
            guard !name.isEmpty else { throw PseudoTerminal.Error.commandNotFound(name) }
            // With a slash the name is a path, resolved by the kernel in the child's directory.
            if name.contains("/") { return (name, command) }
            for directory in path.split(separator: ":") where directory.hasPrefix("/") {
                let candidate = "\(directory)/\(name)"
                var info = stat()
                if stat(candidate, &info) == 0, info.st_mode & S_IFMT != S_IFDIR,
                    access(candidate, X_OK) == 0
                {
                    return (candidate, command)
                }
            }
            throw PseudoTerminal.Error.commandNotFound(name)
        }

        /// Opens a PTY master (close-on-exec, so that no other child of the agent holds it) and
        /// returns it with the path of its slave.
        static func openMaster(size: TerminalSize) throws(PseudoTerminal.Error) -> (
            master: Int32, slavePath: String
        ) {
            guard let openPT = HiddenLibC.posixOpenPT, let grantPT = HiddenLibC.grantPT,
                let unlockPT = HiddenLibC.unlockPT, let ptsName = HiddenLibC.ptsNameR
            else { throw PseudoTerminal.Error.pseudoTerminal(operation: "posix_openpt", errno: ENOSYS) }
            let master = openPT(O_RDWR | O_NOCTTY | O_CLOEXEC)
            guard master >= 0 else {
                throw PseudoTerminal.Error.pseudoTerminal(operation: "posix_openpt", errno: errno)
            }
            func fail(_ operation: String) -> PseudoTerminal.Error {
                let code = errno
                close(master)
                return PseudoTerminal.Error.pseudoTerminal(operation: operation, errno: code)
            }
            guard grantPT(master) == 0 else { throw fail("grantpt") }
            guard unlockPT(master) == 0 else { throw fail("unlockpt") }
            let capacity = 128
            var name = [CChar](repeating: 0, count: capacity)
            guard ptsName(master, &name, capacity) == 0 else { throw fail("ptsname_r") }
            // Before the child starts, so that its first look at the size is already right.
            guard setWindowSize(size, of: master) else { throw fail("TIOCSWINSZ") }
            let path = name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            return (master, String(decoding: path, as: UTF8.self))
        }

        /// Sets the window size of the terminal `descriptor` is a side of; the kernel sends
        /// SIGWINCH to the terminal's foreground process group when it changes.
        static func setWindowSize(_ size: TerminalSize, of descriptor: Int32) -> Bool {
            var window = winsize(ws_row: size.rows, ws_col: size.columns, ws_xpixel: 0, ws_ypixel: 0)
            return ioctl(descriptor, UInt(TIOCSWINSZ), &window) == 0
        }

        /// Starts `executable` on the slave at `slavePath`, returning its pid.
        ///
        /// - `POSIX_SPAWN_SETSID`: the child leads a new session without a controlling terminal,
        ///   so opening the slave (without O_NOCTTY) as fd 0 makes it the controlling terminal;
        ///   fds 1 and 2 are duplicates.
        /// - Every other descriptor is closed in the child (`addclosefrom_np`): NIO opens its
        ///   sockets without close-on-exec, and a shell holding the agent's relay connections
        ///   would keep them open after the agent closes them.
        /// - The signal mask is emptied and every signal set to its default: the agent (or a
        ///   library in it) may block or ignore signals (SIGPIPE), and ignored dispositions
        ///   survive exec — a shell ignoring SIGPIPE breaks `yes | head`.
        /// - The working directory is `directory` (the home).
        static func start(
            executable: String, arguments: [String], environment: [String: String],
            directory: String, slavePath: String
        ) throws(PseudoTerminal.Error) -> pid_t {
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            var emptyMask = sigset_t()
            sigemptyset(&emptyMask)
            var allSignals = sigset_t()
            sigfillset(&allSignals)
            posix_spawnattr_setsigmask(&attributes, &emptyMask)
            posix_spawnattr_setsigdefault(&attributes, &allSignals)
            let flags =
                HiddenLibC.spawnSetSID | Int16(POSIX_SPAWN_SETSIGMASK)
                | Int16(POSIX_SPAWN_SETSIGDEF)
            if posix_spawnattr_setflags(&attributes, flags) != 0 {
                throw PseudoTerminal.Error.spawnFailed(program: executable, errno: EINVAL)
            }

            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, slavePath, O_RDWR, 0)
            posix_spawn_file_actions_adddup2(&actions, 0, 1)
            posix_spawn_file_actions_adddup2(&actions, 0, 2)
            if let addCloseFrom = HiddenLibC.addCloseFrom {
                _ = addCloseFrom(&actions, 3)
            } else {
                // glibc before 2.34: close what is open now (racy against other threads, the
                // best an old libc allows).
                for descriptor in openInheritableDescriptors() {
                    posix_spawn_file_actions_addclose(&actions, descriptor)
                }
            }
            if let addChdir = HiddenLibC.addChdir {
                _ = addChdir(&actions, directory)
            }

            let argv = arguments.map { strdup($0) } + [nil]
            let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") }
                + [nil]
            defer {
                for pointer in argv { free(pointer) }
                for pointer in envp { free(pointer) }
            }
            var pid: pid_t = 0
            let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
            guard result == 0 else {
                // glibc has already reaped a child whose exec failed.
                throw PseudoTerminal.Error.spawnFailed(program: executable, errno: result)
            }
            return pid
        }

        /// The descriptors above 2 without close-on-exec, from /proc/self/fd.
        private static func openInheritableDescriptors() -> [Int32] {
            guard let directory = opendir("/proc/self/fd") else { return [] }
            defer { closedir(directory) }
            let own = dirfd(directory)
            var descriptors: [Int32] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                guard let descriptor = Int32(name), descriptor > 2, descriptor != own else {
                    continue
                }
                let flags = fcntl(descriptor, F_GETFD)
                if flags >= 0 && flags & FD_CLOEXEC == 0 { descriptors.append(descriptor) }
            }
            return descriptors
        }
    }
#endif

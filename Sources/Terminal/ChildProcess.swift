#if os(Linux)
    import Foundation
    import Glibc
    import Synchronization

    /// A child process this module started, reaped by a thread of its own.
    ///
    /// No SIGCHLD handler: the host process (the agent) may run other children through
    /// Foundation's `Process`, which reaps by pid as well, and a process-wide handler or a
    /// `waitpid(-1)` would steal their statuses. One blocked thread per terminal is cheap next to
    /// the shell it waits for.
    final class ChildProcess: Sendable {
        /// The child's process id (and, after `setsid`, its process group and session id).
        let pid: pid_t
        /// True once the child was reaped: from then on its pid may belong to someone else.
        private let reaped = Mutex(false)

        init(pid: pid_t) {
            self.pid = pid
        }

        /// Starts a thread that waits for the child to end and then calls `completion` (on that
        /// thread) with how it ended.
        func reap(_ completion: @escaping @Sendable (TerminalExitStatus) -> Void) {
            let thread = Thread { [self] in completion(self.waitForExit()) }
            thread.name = "terminal-reaper-\(pid)"
            thread.start()
        }

        /// Sends `signal` to the child and, with `processGroup`, to its process group (the
        /// foreground job a shell started). False once the child is gone.
        ///
        /// Safe against pid reuse: the reaper leaves the child a zombie (`WNOWAIT`) until it holds
        /// the same lock, so while a signal is sent the pid is still ours.
        @discardableResult
        func signal(_ signal: Int32, processGroup: Bool = false) -> Bool {
            reaped.withLock { reaped in
                guard !reaped else { return false }
                if processGroup { _ = kill(-pid, signal) }
                return kill(pid, signal) == 0
            }
        }

        private func waitForExit() -> TerminalExitStatus {
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 {
                if errno == EINTR { continue }
                // ECHILD: the host set SIGCHLD to SIG_IGN, so the kernel reaped the child itself
                // and its status is lost.
                reaped.withLock { $0 = true }
                return .exited(255)
            }
            return reaped.withLock { reaped in
                var status: Int32 = 0
                var result: pid_t
                repeat { result = waitpid(pid, &status, 0) } while result < 0 && errno == EINTR
                reaped = true
                return result == pid ? Self.decode(status) : .exited(255)
            }
        }

        /// WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import (they are macros).
        static func decode(_ status: Int32) -> TerminalExitStatus {
            let signal = status & 0x7F
            return signal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signal)
        }
    }
#endif

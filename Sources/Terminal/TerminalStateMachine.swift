/// The lifecycle of one terminal on its agent: attached to one connection, detached for a
/// grace period after that connection dropped, hung up when nobody came back, and the end of
/// its process. Pure: events go in with the current time, actions come out for the caller
/// (`TerminalSessions`) to perform.
///
/// Time is a `Duration` since any fixed origin the caller chooses (its clock's start), so tests
/// pass plain values. Deadlines are checked when `deadlinePassed` is called: a timer that fires
/// after a reattach changes nothing.
struct TerminalStateMachine<Connection: Equatable & Sendable>: Sendable {
    /// What the caller does after an event.
    enum Action: Equatable, Sendable {
        /// Nothing.
        case none
        /// Attach `connection`: it gets `opened` with the replay, then live output.
        case attach(Connection)
        /// Close `previous` (with `taken_over`) and attach `next` as for `attach`.
        case takeOver(previous: Connection, next: Connection)
        /// Stop sending to `connection`; call `deadlinePassed` at `expiresAt`.
        case detach(Connection, expiresAt: Duration)
        /// Send `connection` the exit status and close it; the terminal is finished.
        case reportExit(Connection, TerminalExitStatus)
        /// Attach `connection` (opened with the replay), then send the exit status and close
        /// it: the process ended while nobody was attached. The terminal is finished.
        case attachExited(Connection, TerminalExitStatus)
        /// Refuse `connection` with `not_found`: the terminal is being hung up or is over.
        case refuse(Connection)
        /// Hang the process up (SIGHUP, master closed), closing `closing` if it is attached;
        /// the token no longer attaches. Call `deadlinePassed` at `killAt`.
        case hangUp(closing: Connection?, killAt: Duration)
        /// SIGKILL: the process outlived its hang-up.
        case kill
        /// Nothing left to do: the terminal is finished.
        case forget
    }

    private enum State: Sendable {
        case attached(Connection)
        case detached(expiresAt: Duration)
        case exitedDetached(TerminalExitStatus, expiresAt: Duration)
        case hangingUp(killAt: Duration)
        case killed
        case finished
    }

    /// How long a terminal waits for a reattach after its connection dropped.
    let gracePeriod: Duration
    /// How long a hung-up process has to end before SIGKILL.
    let hangUpTimeout: Duration
    private var state: State

    /// A terminal just started for `connection`.
    init(attachedTo connection: Connection, gracePeriod: Duration, hangUpTimeout: Duration) {
        self.gracePeriod = gracePeriod
        self.hangUpTimeout = hangUpTimeout
        state = .attached(connection)
    }

    /// A connection asks to attach (by token).
    mutating func attach(_ connection: Connection, now: Duration) -> Action {
        switch state {
        case .attached(let previous):
            guard previous != connection else { return .none }
            state = .attached(connection)
            return .takeOver(previous: previous, next: connection)
        case .detached:
            state = .attached(connection)
            return .attach(connection)
        case .exitedDetached(let status, _):
            state = .finished
            return .attachExited(connection, status)
        case .hangingUp, .killed, .finished:
            return .refuse(connection)
        }
    }

    /// A connection closed (dropped, or its peer went away).
    mutating func connectionClosed(_ connection: Connection, now: Duration) -> Action {
        guard case .attached(let attached) = state, attached == connection else { return .none }
        let expiresAt = now + gracePeriod
        state = .detached(expiresAt: expiresAt)
        return .detach(connection, expiresAt: expiresAt)
    }

    /// The process ended and its output was drained.
    mutating func processExited(_ status: TerminalExitStatus, now: Duration) -> Action {
        switch state {
        case .attached(let connection):
            state = .finished
            return .reportExit(connection, status)
        case .detached(let expiresAt):
            // Kept until the grace period ends: a returning client learns how it ended.
            state = .exitedDetached(status, expiresAt: expiresAt)
            return .none
        case .hangingUp, .killed:
            state = .finished
            return .forget
        case .exitedDetached, .finished:
            return .none
        }
    }

    /// A deadline the caller was given may have passed.
    mutating func deadlinePassed(now: Duration) -> Action {
        switch state {
        case .detached(let expiresAt) where now >= expiresAt:
            let killAt = now + hangUpTimeout
            state = .hangingUp(killAt: killAt)
            return .hangUp(closing: nil, killAt: killAt)
        case .exitedDetached(_, let expiresAt) where now >= expiresAt:
            state = .finished
            return .forget
        case .hangingUp(let killAt) where now >= killAt:
            state = .killed
            return .kill
        default:
            return .none
        }
    }

    /// The agent shuts down: every terminal is hung up at once.
    mutating func shutdown(now: Duration) -> Action {
        let killAt = now + hangUpTimeout
        switch state {
        case .attached(let connection):
            state = .hangingUp(killAt: killAt)
            return .hangUp(closing: connection, killAt: killAt)
        case .detached:
            state = .hangingUp(killAt: killAt)
            return .hangUp(closing: nil, killAt: killAt)
        case .exitedDetached:
            state = .finished
            return .forget
        case .hangingUp, .killed, .finished:
            return .none
        }
    }

    /// True when nothing is left of the terminal: the caller drops it.
    var isFinished: Bool {
        if case .finished = state { return true }
        return false
    }

    /// True while a token still attaches (attached, detached, or exited within the grace).
    var acceptsAttach: Bool {
        switch state {
        case .attached, .detached, .exitedDetached: true
        case .hangingUp, .killed, .finished: false
        }
    }
}

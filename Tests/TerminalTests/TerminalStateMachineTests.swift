import Testing

@testable import Terminal

/// The lifecycle of a terminal, with plain durations for time.
@Suite struct TerminalStateMachineTests {
    typealias Machine = TerminalStateMachine<String>
    static let grace = Duration.seconds(60)
    static let hangUp = Duration.seconds(5)

    static func attached(_ connection: String = "a") -> Machine {
        Machine(attachedTo: connection, gracePeriod: grace, hangUpTimeout: hangUp)
    }

    @Test func aReattachWithinTheGraceGoesOn() {
        var machine = Self.attached()
        #expect(
            machine.connectionClosed("a", now: .seconds(10))
                == .detach("a", expiresAt: .seconds(70)))
        #expect(machine.acceptsAttach)
        #expect(machine.attach("b", now: .seconds(69)) == .attach("b"))
        // The timer set for the first grace fires late: nothing happens.
        #expect(machine.deadlinePassed(now: .seconds(70)) == .none)
        #expect(machine.acceptsAttach)
        #expect(
            machine.processExited(.exited(0), now: .seconds(80)) == .reportExit("b", .exited(0)))
        #expect(machine.isFinished)
    }

    @Test func afterTheGraceTheTerminalIsHungUpThenKilled() {
        var machine = Self.attached()
        _ = machine.connectionClosed("a", now: .zero)
        #expect(machine.deadlinePassed(now: .seconds(59)) == .none)
        #expect(
            machine.deadlinePassed(now: .seconds(60)) == .hangUp(closing: nil, killAt: .seconds(65))
        )
        #expect(!machine.acceptsAttach)
        #expect(machine.attach("b", now: .seconds(61)) == .refuse("b"))
        #expect(machine.deadlinePassed(now: .seconds(64)) == .none)
        #expect(machine.deadlinePassed(now: .seconds(65)) == .kill)
        #expect(!machine.isFinished)
        #expect(machine.processExited(.signaled(9), now: .seconds(66)) == .forget)
        #expect(machine.isFinished)
    }

    @Test func aHungUpProcessThatEndsIsForgotten() {
        var machine = Self.attached()
        _ = machine.connectionClosed("a", now: .zero)
        _ = machine.deadlinePassed(now: .seconds(60))
        #expect(machine.processExited(.signaled(1), now: .seconds(61)) == .forget)
        #expect(machine.isFinished)
        #expect(machine.deadlinePassed(now: .seconds(65)) == .none)
    }

    @Test func anExitWhileDetachedIsToldToTheReturningClient() {
        var machine = Self.attached()
        _ = machine.connectionClosed("a", now: .zero)
        #expect(machine.processExited(.exited(3), now: .seconds(1)) == .none)
        #expect(machine.acceptsAttach)
        #expect(machine.attach("b", now: .seconds(2)) == .attachExited("b", .exited(3)))
        #expect(machine.isFinished)
    }

    @Test func anExitWhileDetachedIsForgottenAfterTheGrace() {
        var machine = Self.attached()
        _ = machine.connectionClosed("a", now: .zero)
        _ = machine.processExited(.exited(3), now: .seconds(1))
        #expect(machine.deadlinePassed(now: .seconds(60)) == .forget)
        #expect(machine.isFinished)
        #expect(machine.attach("b", now: .seconds(61)) == .refuse("b"))
    }

    @Test func aSecondConnectionTakesOver() {
        var machine = Self.attached()
        #expect(machine.attach("b", now: .zero) == .takeOver(previous: "a", next: "b"))
        // The closing of the one taken over does not detach the new one.
        #expect(machine.connectionClosed("a", now: .seconds(1)) == .none)
        #expect(machine.attach("b", now: .seconds(2)) == .none)
        #expect(
            machine.connectionClosed("b", now: .seconds(3)) == .detach("b", expiresAt: .seconds(63))
        )
    }

    @Test func shutdownHangsUpEveryState() {
        var attached = Self.attached()
        #expect(attached.shutdown(now: .zero) == .hangUp(closing: "a", killAt: .seconds(5)))
        #expect(attached.shutdown(now: .seconds(1)) == .none)

        var detached = Self.attached()
        _ = detached.connectionClosed("a", now: .zero)
        #expect(detached.shutdown(now: .seconds(1)) == .hangUp(closing: nil, killAt: .seconds(6)))

        var exited = Self.attached()
        _ = exited.connectionClosed("a", now: .zero)
        _ = exited.processExited(.exited(0), now: .zero)
        #expect(exited.shutdown(now: .seconds(1)) == .forget)
        #expect(exited.isFinished)
    }

    @Test func anExitWhileAttachedEndsAtOnce() {
        var machine = Self.attached()
        #expect(machine.processExited(.exited(7), now: .zero) == .reportExit("a", .exited(7)))
        #expect(machine.isFinished)
        #expect(machine.connectionClosed("a", now: .seconds(1)) == .none)
        #expect(machine.attach("b", now: .seconds(1)) == .refuse("b"))
    }
}

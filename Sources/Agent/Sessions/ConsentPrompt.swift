import Foundation
import TsunaguCore

/// Asks the customer whether an operator may connect (attended mode). Runs a command —
/// `--consent-command`, or by default an `xmessage` dialog on the agent's display — and
/// takes exit status 0 as "yes". No answer within the time limit is "no".
struct ConsentPrompt: Sendable {
    /// Shell command; `TSUNAGU_OPERATOR`, `TSUNAGU_COMPANY`, `TSUNAGU_SESSION` are set.
    let command: String?
    let display: String?
    let timeout: Duration

    enum Answer: Equatable {
        case accepted
        case declined
        case noAnswer
    }

    func ask(operatorLogin: String, company: String, session: String) async -> Answer {
        let process = Process()
        // coreutils `timeout` puts the command in its own process group and ends the whole
        // group when time is up, dialog and children alike; it exits 124 then.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        var environment = ProcessInfo.processInfo.environment
        environment["TSUNAGU_OPERATOR"] = operatorLogin
        environment["TSUNAGU_COMPANY"] = company
        environment["TSUNAGU_SESSION"] = session
        if let display { environment["DISPLAY"] = display }
        process.environment = environment
        let milliseconds = Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let seconds = max(1, milliseconds / 1000)
        let dialog =
            "xmessage -center -buttons 'Allow / 許可:0,Deny / 拒否:1' -default 'Deny / 拒否' -timeout \(seconds) "
            + "\"$TSUNAGU_OPERATOR ($TSUNAGU_COMPANY) asks to see and control this screen. / サポート担当者が画面の表示と操作を求めています。\""
        process.arguments = [
            "--kill-after=2", String(format: "%.3f", Double(milliseconds) / 1000), "/bin/sh", "-c", command ?? dialog,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let finished = AsyncStream<Int32>.makeStream()
        process.terminationHandler = {
            finished.continuation.yield($0.terminationStatus)
            finished.continuation.finish()
        }
        do {
            InheritedDescriptors.markSocketsCloseOnExec()
            try process.run()
        } catch {
            return .declined
        }
        var statuses = finished.stream.makeAsyncIterator()
        switch await statuses.next() ?? 1 {
        case 0: return .accepted
        case 124, 137: return .noAnswer
        default: return .declined
        }
    }
}

import FileTransfer
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The progress of a push or pull on standard error — bytes, speed over the last seconds,
/// time left — redrawn in place on a terminal and as a line every few seconds otherwise;
/// one line per finished file on standard output (path, size, SHA-256, bytes moved).
final class TransferProgressBar: @unchecked Sendable {
    // Guarded by `lock`: progress arrives on event loop threads.
    private let lock = NSLock()
    private let totalBytes: UInt64
    private let fileCount: Int
    private var finishedBytes: UInt64 = 0
    private var currentBytes: UInt64 = 0
    private var movedBytes: UInt64 = 0
    private var finishedFiles = 0
    private var samples: [(time: ContinuousClock.Instant, bytes: UInt64)] = []
    private var lastDrawn = ContinuousClock.now - .seconds(10)
    private let started = ContinuousClock.now
    private let interactive = isatty(STDERR_FILENO) == 1

    init(totalBytes: UInt64, files: Int) {
        self.totalBytes = totalBytes
        self.fileCount = files
    }

    /// The callback for one file's transfer.
    func observer(for size: UInt64) -> FilesClient.Progress {
        { [self] done, _ in update(current: done) }
    }

    /// A file is done.
    func finished(_ size: UInt64, report: FileTransferReport) {
        lock.withLock {
            finishedBytes += size
            currentBytes = 0
            finishedFiles += 1
            movedBytes += report.bytesMoved
        }
        let state =
            switch report.outcome {
            case .completed: "ok"
            case .skipped: "skipped / 省略"
            case .failed(let code): code.rawValue
            }
        clearLine()
        CLI.say(
            "\(state) \(report.path) \(report.totalSize) bytes sha256=\(report.sha256.isEmpty ? "-" : report.sha256) moved=\(report.bytesMoved) resumed-from=\(report.resumedFrom)"
        )
    }

    /// All files are done: the totals.
    func end() {
        let (moved, files) = lock.withLock { (movedBytes, finishedFiles) }
        let seconds = max(0.001, Self.seconds(ContinuousClock.now - started))
        clearLine()
        CLI.warn(
            "\(files) file(s), \(Self.bytes(moved)) moved in \(String(format: "%.1f", seconds)) s (\(Self.bytes(UInt64(Double(moved) / seconds)))/s) / \(files) 件を転送しました"
        )
    }

    private func update(current: UInt64) {
        let now = ContinuousClock.now
        let line: String? = lock.withLock {
            currentBytes = current
            let done = finishedBytes + current
            samples.append((now, done))
            while let first = samples.first, now - first.time > .seconds(5) {
                samples.removeFirst()
            }
            guard now - lastDrawn >= (interactive ? .milliseconds(200) : .seconds(2)) else {
                return nil
            }
            lastDrawn = now
            var rate = 0.0
            if let first = samples.first, now > first.time {
                rate = Double(done - first.bytes) / Self.seconds(now - first.time)
            }
            let percent = totalBytes == 0 ? 100 : Int(Double(done) * 100 / Double(totalBytes))
            let left =
                rate > 0 ? Self.clock(Double(totalBytes - min(done, totalBytes)) / rate) : "--:--"
            return
                "\(String(format: "%3d", percent))% \(Self.bytes(done)) / \(Self.bytes(totalBytes))  \(Self.bytes(UInt64(rate)))/s  \(left) left / 残り  [\(finishedFiles + 1)/\(fileCount)]"
        }
        guard let line else { return }
        if interactive {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        } else {
            CLI.warn(line)
        }
    }

    private func clearLine() {
        if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// 1.5 GiB, 20.0 MiB, 512 B.
    static func bytes(_ count: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f ", value) + units[unit]
    }

    /// m:ss or h:mm:ss.
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }
}

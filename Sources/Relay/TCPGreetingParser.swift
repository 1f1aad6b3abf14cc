import Foundation
import NIOCore
import TsunaguCore

/// Parses the raw TCP greeting `TSUNAGU-RELAY/1 TICKET\n` (a trailing `\r` is tolerated).
///
/// Fed the bytes received so far; answers "need more data", the ticket (consuming the line
/// and leaving any following payload bytes in the buffer), or "invalid" as soon as the bytes
/// cannot become a greeting, so that a stray HTTP request fails at its first bytes.
struct TCPGreetingParser {
    enum Result: Equatable {
        case needMoreData
        case ticket(String)
        case invalid
    }

    private enum State {
        /// `scanned` bytes were already checked and hold no newline.
        case reading(scanned: Int)
        case done
    }

    private static let prefix = Array(RelayHandshake.tcpPrefix.utf8)
    private static let newline = UInt8(ascii: "\n")

    let maxBytes: Int
    private var state = State.reading(scanned: 0)

    init(maxBytes: Int = RelayHandshake.maxGreetingBytes) {
        self.maxBytes = maxBytes
    }

    mutating func parse(_ buffer: inout ByteBuffer) -> Result {
        guard case .reading(let scanned) = state else { return .invalid }
        let readable = buffer.readableBytesView
        let start = readable.startIndex
        let prefixCount = min(readable.count, Self.prefix.count)
        guard readable.prefix(prefixCount).elementsEqual(Self.prefix.prefix(prefixCount)) else {
            state = .done
            return .invalid
        }
        let searchFrom = start + min(scanned, readable.count)
        guard let newline = readable[searchFrom...].firstIndex(of: Self.newline) else {
            guard readable.count <= maxBytes else {
                state = .done
                return .invalid
            }
            state = .reading(scanned: readable.count)
            return .needMoreData
        }
        let lineLength = newline - start
        guard lineLength <= maxBytes, lineLength >= Self.prefix.count else {
            state = .done
            return .invalid
        }
        var line = readable[(start + Self.prefix.count)..<newline]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        let ticket = String(decoding: line, as: UTF8.self)
        buffer.moveReaderIndex(forwardBy: lineLength + 1)
        state = .done
        return .ticket(ticket.trimmingCharacters(in: .whitespaces))
    }
}

import NIOCore
import Testing

@testable import Relay

/// The TCP greeting, fed whole and one byte at a time.
@Suite struct TCPGreetingParserTests {
    private func parseByteAtATime(_ text: String) -> (TCPGreetingParser.Result, ByteBuffer) {
        var parser = TCPGreetingParser()
        var buffer = ByteBuffer()
        for byte in text.utf8 {
            buffer.writeInteger(byte)
            let result = parser.parse(&buffer)
            if result != .needMoreData { return (result, buffer) }
        }
        return (.needMoreData, buffer)
    }

    @Test func readsTheTicketAndLeavesPayload() {
        var parser = TCPGreetingParser()
        var buffer = ByteBuffer(string: "TSUNAGU-RELAY/1 abc.def.ghi\nRFB")
        #expect(parser.parse(&buffer) == .ticket("abc.def.ghi"))
        #expect(String(buffer: buffer) == "RFB")
    }

    @Test func byteAtATime() {
        let (result, rest) = parseByteAtATime("TSUNAGU-RELAY/1 abc.def.ghi\r\n")
        #expect(result == .ticket("abc.def.ghi"))
        #expect(rest.readableBytes == 0)
    }

    @Test(arguments: ["GET / HTTP/1.1\r\n", "TSUNAGU-RELAY/2 x\n", "tsunagu-relay/1 x\n", "\n"])
    func refusesOtherFirstWordsEarly(text: String) {
        #expect(parseByteAtATime(text).0 == .invalid)
    }

    @Test func refusesAnOverlongLine() {
        let long = "TSUNAGU-RELAY/1 " + String(repeating: "a", count: 5000)
        #expect(parseByteAtATime(long).0 == .invalid)
    }

    @Test func waitsForTheNewline() {
        var parser = TCPGreetingParser()
        var buffer = ByteBuffer(string: "TSUNAGU-RELAY/1 abc")
        #expect(parser.parse(&buffer) == .needMoreData)
        buffer.writeString(".d\n")
        #expect(parser.parse(&buffer) == .ticket("abc.d"))
    }
}

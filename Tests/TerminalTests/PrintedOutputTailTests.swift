import NIOCore
import Testing

@testable import Terminal

/// What a reattaching command line prints of the replay: only what it had not printed.
struct PrintedOutputTailTests {
    private func unseen(printed: String, replay: String, length: Int = 1024) -> String {
        var tail = PrintedOutputTail(length: length)
        tail.append(ByteBuffer(string: printed))
        return String(buffer: tail.unseen(in: ByteBuffer(string: replay)))
    }

    @Test("nothing printed yet: the whole replay is new")
    func nothingPrinted() {
        #expect(unseen(printed: "", replay: "hello") == "hello")
    }

    @Test("the replay continues what was printed: only its end is new")
    func continuation() {
        #expect(unseen(printed: "$ ls\r\na b\r\n", replay: "$ ls\r\na b\r\n$ ") == "$ ")
        // The replay begins inside the printed tail (a bounded buffer, much missed).
        let line = "a line long enough to be trusted as an overlap\r\n"
        #expect(unseen(printed: "first " + line, replay: line + "next") == "next")
        // A short overlap is too likely by chance: all of the replay is printed.
        #expect(unseen(printed: "one two three", replay: "two three four") == "two three four")
    }

    @Test("all of the replay was printed: nothing is new")
    func allPrinted() {
        #expect(unseen(printed: "abc", replay: "abc") == "")
    }

    @Test("the printed tail is not in the replay: more was missed than it holds, all is new")
    func notFound() {
        #expect(unseen(printed: "old", replay: "entirely new") == "entirely new")
    }

    @Test("repeated output: the last occurrence is where the live output goes on")
    func lastOccurrence() {
        #expect(unseen(printed: "x", replay: "x-x-x", length: 1) == "")
        #expect(unseen(printed: "ab", replay: "ab ab ab!", length: 2) == "!")
    }

    @Test("only the last `length` bytes are kept, across many appends")
    func boundedTail() {
        var tail = PrintedOutputTail(length: 4)
        for chunk in ["aaaa", "bb", "cdef"] { tail.append(ByteBuffer(string: chunk)) }
        #expect(String(buffer: tail.unseen(in: ByteBuffer(string: "zzcdefNEW"))) == "NEW")
        #expect(String(buffer: tail.unseen(in: ByteBuffer(string: "bbcdNEW"))) == "bbcdNEW")
    }
}

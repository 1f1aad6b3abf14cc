import Foundation
import TestSupport
import Testing
import TsunaguCore

@Suite("JSONShapeCheck")
struct JSONShapeCheckTests {
    let check = JSONShapeCheck()

    func failure(_ text: String) -> JSONShapeCheck.Failure? {
        do {
            _ = try check.check(Array(text.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test func acceptsWellFormedJSON() throws {
        for text in [
            #"{}"#, #"[]"#,
            #" {"a": [1, -2, 3.5e-2, true, false, null, "x\"\\\/\b\f\n\r\t\u00e9"]} "#,
            #"{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}"#, #""just a string""#, "0",
            #"{"😀":"\ud83d\ude00"}"#,
        ] {
            #expect(failure(text) == nil, "\(text)")
        }
    }

    @Test func refusesAKeyGivenTwice() {
        #expect(failure(#"{"role":"admin","role":"operator"}"#) == .duplicateKey(path: "role"))
        // The same key spelt with an escape is the same key to a decoder.
        #expect(failure(#"{"role":1,"\u0072ole":2}"#) == .duplicateKey(path: "role"))
        #expect(failure(#"{"a":{"b":1,"b":2}}"#) == .duplicateKey(path: "a.b"))
        #expect(failure(#"[{"b":1},{"b":2,"b":3}]"#) == .duplicateKey(path: "1.b"))
        #expect(
            failure(#"{"a":{"b":1},"c":{"b":2}}"#) == nil, "the same key in two objects is fine")
    }

    @Test func namesFractionalNumbers() throws {
        let report = try check.check(Array(#"{"uses": 2.5, "n": 3, "list": [1e3]}"#.utf8))
        #expect(report.fractionalNumbers == ["uses", "list.0"])
    }

    @Test func refusesWhatIsNotJSON() {
        for text in [
            "", "{", #"{"a"}"#, #"{"a":}"#, "[1,]", "01", "1.", "-", #"{"a":1,}"#, "tru", #""\x""#,
            #""\ud800""#, #""\udc00""#, "\"\u{01}\"", "[1] [2]", #"{'a':1}"#,
        ] {
            #expect(failure(text) != nil, "\(text)")
        }
        #expect(
            failure(String(repeating: "[", count: 100) + String(repeating: "]", count: 100))
                == .tooDeep)
        // Bytes that are not UTF-8 inside a string.
        #expect((try? check.check([0x22, 0xFF, 0x22])) == nil)
    }

    /// Mutated samples: never a crash, and nothing accepted that Foundation cannot parse.
    @Test func fuzzedInputsNeverCrashAndAgreeWithFoundation() {
        let samples = [
            #"{"company":"ACME","login":"admin","password":"p\u00e4ss","totp":"123456"}"#,
            #"{"device":"pc","password":"x","channel":"desktop","list":[1,2.5,{"a":null}]}"#,
            #"{"uses": 2, "expiresInHours": 24.5, "nested": {"deep": [true, false, "\ud83d\ude00"]}}"#,
        ].map { Array($0.utf8) }
        let count = Int(ProcessInfo.processInfo.environment["TSUNAGU_FUZZ_INPUTS"] ?? "") ?? 100_000
        var rng = SeededGenerator(state: 0x7A5E_11)
        var accepted = 0
        for i in 0..<count {
            let input = ByteFuzzing.mutate(samples[i % samples.count], &rng)
            guard (try? check.check(input)) != nil else { continue }
            accepted += 1
            let parsed = try? JSONSerialization.jsonObject(
                with: Data(input), options: .fragmentsAllowed)
            #expect(
                parsed != nil,
                "accepted what Foundation refuses: \(String(decoding: input, as: UTF8.self))")
        }
        #expect(accepted > 0, "some mutations stay valid JSON")
    }
}

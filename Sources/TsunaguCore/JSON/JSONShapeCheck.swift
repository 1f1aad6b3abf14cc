/// Checks a JSON text before it is decoded, for what Foundation's decoder lets through or
/// reports badly: a key given twice in one object (Foundation keeps one silently, so
/// `{"role":"admin","role":"operator"}` meant whichever it kept), and numbers with a fraction
/// or exponent (so that a failed decode can say *which* field wanted a whole number).
///
/// Pure: bytes in, a verdict out. Depth is bounded so hostile nesting cannot exhaust the stack.
public struct JSONShapeCheck: Sendable {
    /// Why a text was refused.
    public enum Failure: Error, Equatable, Sendable {
        /// Not JSON at this byte offset.
        case syntax(offset: Int)
        /// A key appears twice in one object; `path` names the object's key (dotted).
        case duplicateKey(path: String)
        /// Nested deeper than the limit.
        case tooDeep
    }

    /// What the check found in a well-formed text.
    public struct Report: Sendable, Equatable {
        /// Dotted paths of numbers that are not whole (`2.5`, `1e3`), in order.
        public var fractionalNumbers: [String] = []
    }

    public let maxDepth: Int

    public init(maxDepth: Int = 64) {
        self.maxDepth = maxDepth
    }

    /// Checks `bytes` (UTF-8 JSON, one value, whitespace around it allowed).
    public func check(_ bytes: [UInt8]) throws(Failure) -> Report {
        var scanner = Scanner(bytes: bytes, maxDepth: maxDepth)
        try scanner.skipWhitespace()
        try scanner.value(path: [], depth: 0)
        try scanner.skipWhitespace()
        guard scanner.index == bytes.count else { throw .syntax(offset: scanner.index) }
        return scanner.report
    }

    private struct Scanner {
        let bytes: [UInt8]
        let maxDepth: Int
        var index = 0
        var report = Report()

        init(bytes: [UInt8], maxDepth: Int) {
            self.bytes = bytes
            self.maxDepth = maxDepth
        }

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() throws(Failure) {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                index += 1
            }
        }

        mutating func expect(_ byte: UInt8) throws(Failure) {
            guard current == byte else { throw .syntax(offset: index) }
            index += 1
        }

        mutating func value(path: [String], depth: Int) throws(Failure) {
            guard depth < maxDepth else { throw .tooDeep }
            switch current {
            case UInt8(ascii: "{"): try object(path: path, depth: depth)
            case UInt8(ascii: "["): try array(path: path, depth: depth)
            case UInt8(ascii: "\""): _ = try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case .some(let byte) where byte == UInt8(ascii: "-") || (0x30...0x39).contains(byte):
                if try number() { report.fractionalNumbers.append(path.joined(separator: ".")) }
            default: throw .syntax(offset: index)
            }
        }

        mutating func object(path: [String], depth: Int) throws(Failure) {
            index += 1
            try skipWhitespace()
            if current == UInt8(ascii: "}") {
                index += 1
                return
            }
            var seen = Set<String>()
            while true {
                try skipWhitespace()
                let key = try string()
                guard seen.insert(key).inserted else {
                    throw .duplicateKey(path: (path + [key]).joined(separator: "."))
                }
                try skipWhitespace()
                try expect(UInt8(ascii: ":"))
                try skipWhitespace()
                try value(path: path + [key], depth: depth + 1)
                try skipWhitespace()
                if current == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                try expect(UInt8(ascii: "}"))
                return
            }
        }

        mutating func array(path: [String], depth: Int) throws(Failure) {
            index += 1
            try skipWhitespace()
            if current == UInt8(ascii: "]") {
                index += 1
                return
            }
            var element = 0
            while true {
                try skipWhitespace()
                try value(path: path + [String(element)], depth: depth + 1)
                element += 1
                try skipWhitespace()
                if current == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                try expect(UInt8(ascii: "]"))
                return
            }
        }

        mutating func literal(_ word: StaticString) throws(Failure) {
            let text = word.withUTF8Buffer { Array($0) }
            guard index + text.count <= bytes.count,
                Array(bytes[index..<index + text.count]) == text
            else { throw .syntax(offset: index) }
            index += text.count
        }

        /// A string; returns its text with escapes resolved (keys are compared that way).
        mutating func string() throws(Failure) -> String {
            try expect(UInt8(ascii: "\""))
            var scalars = String.UnicodeScalarView()
            var raw: [UInt8] = []
            // Bytes that are not UTF-8 are refused, as Foundation's decoder refuses them.
            func flush() throws(Failure) {
                var iterator = raw.makeIterator()
                var codec = UTF8()
                decoding: while true {
                    switch codec.decode(&iterator) {
                    case .scalarValue(let scalar): scalars.append(scalar)
                    case .emptyInput: break decoding
                    case .error: throw .syntax(offset: index - 1)
                    }
                }
                raw.removeAll(keepingCapacity: true)
            }
            while true {
                guard let byte = current else { throw .syntax(offset: index) }
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    try flush()
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    try flush()
                    try escape(into: &scalars)
                case 0x00..<0x20:
                    throw .syntax(offset: index - 1)
                default:
                    raw.append(byte)
                }
            }
        }

        mutating func escape(into scalars: inout String.UnicodeScalarView) throws(Failure) {
            guard let byte = current else { throw .syntax(offset: index) }
            index += 1
            let simple: [UInt8: Unicode.Scalar] = [
                UInt8(ascii: "\""): "\"", UInt8(ascii: "\\"): "\\", UInt8(ascii: "/"): "/",
                UInt8(ascii: "b"): "\u{8}", UInt8(ascii: "f"): "\u{C}", UInt8(ascii: "n"): "\n",
                UInt8(ascii: "r"): "\r", UInt8(ascii: "t"): "\t",
            ]
            if let scalar = simple[byte] {
                scalars.append(scalar)
                return
            }
            guard byte == UInt8(ascii: "u") else { throw .syntax(offset: index - 1) }
            let start = index - 2
            var unit = try hex4()
            if (0xD800..<0xDC00).contains(unit) {
                // A high surrogate must be followed by a low one; a lone half is refused (what
                // a decoder would make of it is anyone's guess).
                guard current == UInt8(ascii: "\\"), index + 1 < bytes.count,
                    bytes[index + 1] == UInt8(ascii: "u")
                else { throw .syntax(offset: start) }
                index += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw .syntax(offset: start) }
                unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(unit) else { throw .syntax(offset: start) }
            scalars.append(scalar)
        }

        mutating func hex4() throws(Failure) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let byte = current else { throw .syntax(offset: index) }
                let digit: UInt32
                switch byte {
                case 0x30...0x39: digit = UInt32(byte - 0x30)
                case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
                case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
                default: throw .syntax(offset: index)
                }
                value = value << 4 | digit
                index += 1
            }
            return value
        }

        /// A number; returns whether it has a fraction or an exponent.
        mutating func number() throws(Failure) -> Bool {
            if current == UInt8(ascii: "-") { index += 1 }
            guard let first = current, (0x30...0x39).contains(first) else {
                throw .syntax(offset: index)
            }
            index += 1
            if first != 0x30 { digits() }
            var fractional = false
            if current == UInt8(ascii: ".") {
                index += 1
                guard let d = current, (0x30...0x39).contains(d) else {
                    throw .syntax(offset: index)
                }
                digits()
                fractional = true
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                index += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
                guard let d = current, (0x30...0x39).contains(d) else {
                    throw .syntax(offset: index)
                }
                digits()
                fractional = true
            }
            return fractional
        }

        mutating func digits() {
            while let byte = current, (0x30...0x39).contains(byte) { index += 1 }
        }
    }
}

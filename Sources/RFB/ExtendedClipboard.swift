/// The Extended Clipboard pseudo-encoding (`0xC0A1E5CE`): ClientCutText / ServerCutText with a
/// negative length carry a flags word (formats in bits 0–15, one action in bits 24–31) and,
/// for `provide`, a zlib stream of `U32 length + data` per format. Text is UTF-8 with CRLF
/// line ends and a terminating NUL. Each `provide` is its own zlib stream.
public enum ExtendedClipboard {
    /// Clipboard formats (bits 0–15 of the flags word).
    public struct Formats: OptionSet, Hashable, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue & 0xFFFF }
        public static let text = Formats(rawValue: 1 << 0)
        public static let rtf = Formats(rawValue: 1 << 1)
        public static let html = Formats(rawValue: 1 << 2)
        public static let dib = Formats(rawValue: 1 << 3)
        public static let files = Formats(rawValue: 1 << 4)
    }

    /// Clipboard actions (bits 24–31 of the flags word).
    public struct Actions: OptionSet, Hashable, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue & 0xFF00_0000 }
        public static let caps = Actions(rawValue: 1 << 24)
        public static let request = Actions(rawValue: 1 << 25)
        public static let peek = Actions(rawValue: 1 << 26)
        public static let notify = Actions(rawValue: 1 << 27)
        public static let provide = Actions(rawValue: 1 << 28)
        /// Every action this implementation handles.
        public static let all: Actions = [.caps, .request, .peek, .notify, .provide]
    }

    /// One Extended Clipboard message, in either direction.
    public enum Message: Hashable, Sendable {
        /// The sender's formats and actions, with a maximum size per listed format in bit order.
        case caps(Formats, actions: Actions, maxSizes: [UInt32])
        /// Asks the peer to `provide` these formats.
        case request(Formats)
        /// Asks the peer to `notify` which formats it holds.
        case peek
        /// Tells the peer which formats are available now.
        case notify(Formats)
        /// Clipboard content; only text is kept (UTF-8, LF line ends, NUL removed).
        case provide(text: String?)
    }

    /// Why an Extended Clipboard payload was refused.
    public enum DecodeError: Error, Hashable, Sendable {
        case tooShort
        case noAction
        case truncatedCaps
        case badCompressedData
        case decompressedTooLarge(limit: Int)
        case truncatedProvide
    }

    /// Decodes a payload (the bytes after the negative length), inflating at most `limit` bytes.
    public static func decode(_ payload: ArraySlice<UInt8>, limit: Int) throws(DecodeError)
        -> Message
    {
        guard payload.count >= 4 else { throw .tooShort }
        let start = payload.startIndex
        let flags = readU32(payload, at: start)
        let formats = Formats(rawValue: flags)
        let actions = Actions(rawValue: flags)
        let rest = payload[(start + 4)...]
        if actions.contains(.caps) {
            var sizes: [UInt32] = []
            var index = rest.startIndex
            for bit in 0..<16 where flags & (1 << UInt32(bit)) != 0 {
                guard rest.endIndex - index >= 4 else { throw .truncatedCaps }
                sizes.append(readU32(rest, at: index))
                index += 4
            }
            return .caps(formats, actions: Actions(rawValue: flags), maxSizes: sizes)
        }
        if actions.contains(.request) { return .request(formats) }
        if actions.contains(.peek) { return .peek }
        if actions.contains(.notify) { return .notify(formats) }
        guard actions.contains(.provide) else { throw .noAction }
        let data = try inflate(rest, limit: limit)
        var index = 0
        var text: String?
        for bit in 0..<16 where flags & (1 << UInt32(bit)) != 0 {
            guard data.count - index >= 4 else { throw .truncatedProvide }
            let length = Int(readU32(data[...], at: index))
            index += 4
            guard data.count - index >= length else { throw .truncatedProvide }
            if bit == 0 { text = decodeText(data[index..<(index + length)]) }
            index += length
        }
        return .provide(text: text)
    }

    /// Encodes a message as the payload that follows the negative length.
    public static func encode(_ message: Message) -> [UInt8] {
        var out: [UInt8] = []
        switch message {
        case .caps(let formats, let actions, let sizes):
            appendU32(formats.rawValue | actions.rawValue | Actions.caps.rawValue, to: &out)
            for size in sizes { appendU32(size, to: &out) }
        case .request(let formats):
            appendU32(formats.rawValue | Actions.request.rawValue, to: &out)
        case .peek:
            appendU32(Actions.peek.rawValue, to: &out)
        case .notify(let formats):
            appendU32(formats.rawValue | Actions.notify.rawValue, to: &out)
        case .provide(let text):
            var plain: [UInt8] = []
            var formats = Formats()
            if let text {
                formats.insert(.text)
                let bytes = encodeText(text)
                appendU32(UInt32(bytes.count), to: &plain)
                plain.append(contentsOf: bytes)
            }
            appendU32(formats.rawValue | Actions.provide.rawValue, to: &out)
            out.append(contentsOf: deflate(plain))
        }
        return out
    }

    /// UTF-8 with CRLF line ends and a terminating NUL, as the format requires.
    static func encodeText(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if byte == 0x0A && previous != 0x0D { bytes.append(0x0D) }
            bytes.append(byte)
            previous = byte
        }
        bytes.append(0)
        return bytes
    }

    /// Reverses ``encodeText``: drops everything from the first NUL, CRLF becomes LF.
    static func decodeText(_ bytes: ArraySlice<UInt8>) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        var out: [UInt8] = []
        out.reserveCapacity(end - bytes.startIndex)
        var index = bytes.startIndex
        while index < end {
            let byte = bytes[index]
            if byte == 0x0D && index + 1 < end && bytes[index + 1] == 0x0A {
                index += 1
                continue
            }
            out.append(byte)
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func readU32(_ bytes: ArraySlice<UInt8>, at index: Int) -> UInt32 {
        UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16
            | UInt32(bytes[index + 2]) << 8 | UInt32(bytes[index + 3])
    }

    static func appendU32(_ value: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: value >> 24))
        out.append(UInt8(truncatingIfNeeded: value >> 16))
        out.append(UInt8(truncatingIfNeeded: value >> 8))
        out.append(UInt8(truncatingIfNeeded: value))
    }
}

import NIOCore
import NIOWebSocket

/// WebSocket frames as bytes on the wire, for tests that feed the relay raw bytes and read
/// what it writes back.
enum WebSocketWire {
    /// A client's frame: masked with `key`, length in the shortest form unless `longForm`.
    static func clientFrame(
        opcode: UInt8, fin: Bool = true, payload: [UInt8],
        key: [UInt8] = [0x37, 0xFA, 0x21, 0x3D], rsv: UInt8 = 0, masked: Bool = true
    ) -> [UInt8] {
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | rsv << 4 | opcode]
        let maskBit: UInt8 = masked ? 0x80 : 0
        let n = payload.count
        if n < 126 {
            bytes.append(maskBit | UInt8(n))
        } else if n <= 0xFFFF {
            bytes += [maskBit | 126, UInt8(n >> 8), UInt8(n & 0xFF)]
        } else {
            bytes.append(maskBit | 127)
            bytes += (0..<8).reversed().map { UInt8(truncatingIfNeeded: UInt64(n) >> ($0 * 8)) }
        }
        guard masked else { return bytes + payload }
        bytes += key
        bytes += payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
        return bytes
    }

    /// A header claiming `length` payload bytes (64-bit form), masked, with no payload.
    static func clientHeader(opcode: UInt8, length: UInt64) -> [UInt8] {
        [0x80 | opcode, 0x80 | 127]
            + (0..<8).reversed().map { UInt8(truncatingIfNeeded: length >> ($0 * 8)) }
            + [1, 2, 3, 4]
    }

    /// Reads the server's (unmasked) frames out of the bytes it wrote, however they were split.
    struct ServerFrameReader {
        private var bytes: [UInt8] = []

        mutating func append(_ buffer: ByteBuffer) {
            bytes += buffer.readableBytesView
        }

        /// The next whole frame, or nil until its bytes are all there.
        mutating func next() -> (opcode: WebSocketOpcode, fin: Bool, payload: [UInt8])? {
            guard bytes.count >= 2 else { return nil }
            var length = Int(bytes[1] & 0x7F)
            var at = 2
            if length == 126 {
                guard bytes.count >= 4 else { return nil }
                length = Int(bytes[2]) << 8 | Int(bytes[3])
                at = 4
            } else if length == 127 {
                guard bytes.count >= 10 else { return nil }
                length = bytes[2..<10].reduce(0) { $0 << 8 | Int($1) }
                at = 10
            }
            guard bytes.count >= at + length else { return nil }
            let frame = (
                WebSocketOpcode(encodedWebSocketOpcode: bytes[0] & 0x0F)!, bytes[0] & 0x80 != 0,
                Array(bytes[at..<at + length])
            )
            bytes.removeFirst(at + length)
            return frame
        }
    }
}

import NIOCore

/// The frames the relay sends (unmasked, as a server's are), written straight into byte
/// buffers: a small payload shares one buffer with its header, so that one message is one
/// buffer and one `writev` entry; a large one is sent as a header and the payload itself,
/// never copied. A pure codec: no I/O.
enum WebSocketServerFrame {
    static let binary: UInt8 = 0x2
    static let text: UInt8 = 0x1
    static let close: UInt8 = 0x8
    static let pong: UInt8 = 0xA

    /// Payloads up to this size are copied behind their header (cheaper than a second buffer).
    static let copyLimit = 4096

    /// The frame's bytes: one buffer, or the header followed by `payload` itself.
    static func encode(
        opcode: UInt8, payload: ByteBuffer, allocator: ByteBufferAllocator
    ) -> (ByteBuffer, ByteBuffer?) {
        let count = payload.readableBytes
        let small = count <= copyLimit
        var head = allocator.buffer(capacity: 10 + (small ? count : 0))
        writeHeader(opcode: opcode, length: count, into: &head)
        guard small else { return (head, payload) }
        head.writeImmutableBuffer(payload)
        return (head, nil)
    }

    /// FIN set, no mask, length in its shortest form.
    static func writeHeader(opcode: UInt8, length: Int, into buffer: inout ByteBuffer) {
        buffer.writeInteger(0x80 | opcode)
        if length < 126 {
            buffer.writeInteger(UInt8(length))
        } else if length <= 0xFFFF {
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(length))
        } else {
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(length))
        }
    }
}

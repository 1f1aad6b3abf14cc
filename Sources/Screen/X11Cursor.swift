import CXCB
import Glibc
import RFB

/// Reads the pointer's image through XFIXES and converts it for the Cursor pseudo-encoding.
enum X11Cursor {
    /// The current cursor and its serial (which changes with the image), or nil on error.
    static func current(connection: OpaquePointer) -> (image: CursorImage, serial: UInt32)? {
        let cookie = xcb_xfixes_get_cursor_image(connection)
        guard let reply = xcb_xfixes_get_cursor_image_reply(connection, cookie, nil) else {
            return nil
        }
        defer { free(reply) }
        let width = Int(reply.pointee.width)
        let height = Int(reply.pointee.height)
        let count = min(Int(xcb_xfixes_get_cursor_image_cursor_image_length(reply)), width * height)
        var pixels = [UInt32](repeating: 0, count: width * height)
        if let source = xcb_xfixes_get_cursor_image_cursor_image(reply) {
            for index in 0..<count { pixels[index] = straightAlpha(source[index]) }
        }
        let image = CursorImage(
            width: width, height: height, hotspotX: Int(reply.pointee.xhot),
            hotspotY: Int(reply.pointee.yhot), pixels: pixels)
        return (image, reply.pointee.cursor_serial)
    }

    /// XFIXES hands out premultiplied ARGB (Render's convention); ``CursorImage`` holds
    /// straight alpha, which the RFB Cursor encoding's colour-plus-mask needs.
    static func straightAlpha(_ pixel: UInt32) -> UInt32 {
        let alpha = pixel >> 24
        guard alpha != 0 else { return 0 }
        guard alpha != 255 else { return pixel }
        func channel(_ shift: UInt32) -> UInt32 {
            min(255, (((pixel >> shift) & 0xff) * 255 + alpha / 2) / alpha) << shift
        }
        return alpha << 24 | channel(16) | channel(8) | channel(0)
    }
}

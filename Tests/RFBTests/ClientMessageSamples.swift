@testable import RFB

/// Valid client messages and their bytes, shared by the parser tests and the fuzzer.
enum ClientMessageSamples {
    static func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func u32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }

    /// Normal messages (after initialisation) with their encodings.
    static var messages: [(ClientMessage, [UInt8])] {
        let format = PixelFormat(
            bitsPerPixel: 16, depth: 16, bigEndian: true, trueColour: true, redMax: 31,
            greenMax: 63, blueMax: 31, redShift: 11, greenShift: 5, blueShift: 0)
        let clipboardCaps = ExtendedClipboard.Message.caps(
            .text, actions: ExtendedClipboard.Actions.all, maxSizes: [1 << 20])
        let provide = ExtendedClipboard.Message.provide(text: "こんにちは\nworld")
        let capsBytes = ExtendedClipboard.encode(clipboardCaps)
        let provideBytes = ExtendedClipboard.encode(provide)
        return [
            (
                .setPixelFormat(format),
                [0, 0, 0, 0, 16, 16, 1, 1] + u16(31) + u16(63) + u16(31) + [11, 5, 0, 0, 0, 0]
            ),
            (
                .setEncodings([7, 0, -239]),
                [2, 0] + u16(3) + u32(7) + u32(0) + u32(UInt32(bitPattern: -239))
            ),
            (.setEncodings([]), [2, 0, 0, 0]),
            (
                .framebufferUpdateRequest(
                    incremental: true, Rect(x: 1, y: 2, width: 300, height: 400)),
                [3, 1] + u16(1) + u16(2) + u16(300) + u16(400)
            ),
            (.keyEvent(down: true, keysym: 0xFF0D), [4, 1, 0, 0] + u32(0xFF0D)),
            (.pointerEvent(buttons: 5, x: 1919, y: 1079), [5, 5] + u16(1919) + u16(1079)),
            (.clientCutText("héllo"), [6, 0, 0, 0] + u32(5) + [0x68, 0xE9, 0x6C, 0x6C, 0x6F]),
            (
                .extendedClipboard(clipboardCaps),
                [6, 0, 0, 0] + u32(UInt32(bitPattern: -Int32(capsBytes.count))) + capsBytes
            ),
            (
                .extendedClipboard(provide),
                [6, 0, 0, 0] + u32(UInt32(bitPattern: -Int32(provideBytes.count))) + provideBytes
            ),
            (
                .extendedClipboard(.request(.text)),
                [6, 0, 0, 0] + u32(UInt32(bitPattern: -4)) + u32(0x0200_0001)
            ),
            (
                .extendedClipboard(.peek),
                [6, 0, 0, 0] + u32(UInt32(bitPattern: -4)) + u32(0x0400_0000)
            ),
            (
                .extendedClipboard(.notify(.text)),
                [6, 0, 0, 0] + u32(UInt32(bitPattern: -4)) + u32(0x0800_0001)
            ),
            (
                .qemuKeyEvent(down: true, keysym: 0x61, keycode: 0x1E),
                [255, 0] + u16(1) + u32(0x61) + u32(0x1E)
            ),
            (
                .enableContinuousUpdates(enable: true, Rect(x: 0, y: 0, width: 1920, height: 1080)),
                [150, 1] + u16(0) + u16(0) + u16(1920) + u16(1080)
            ),
            (
                .clientFence(flags: 0x8000_0003, payload: [9, 8, 7]),
                [248, 0, 0, 0] + u32(0x8000_0003) + [3, 9, 8, 7]
            ),
            (
                .setDesktopSize(
                    width: 1280, height: 720,
                    screens: [ScreenLayout(id: 1, rect: Rect(x: 0, y: 0, width: 1280, height: 720))]
                ),
                [251, 0] + u16(1280) + u16(720) + [1, 0] + u32(1) + u16(0) + u16(0) + u16(1280)
                    + u16(720) + u32(0)
            ),
        ]
    }
}

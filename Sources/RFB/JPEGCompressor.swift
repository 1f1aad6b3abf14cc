import CTurboJPEG

/// JPEG compression of framebuffer rectangles through libjpeg-turbo's TurboJPEG API.
///
/// It reads the framebuffer in place (`0x00RRGGBB` words are B, G, R, X bytes on a
/// little-endian host), so there is no copy before compressing. A class because it owns the
/// TurboJPEG handle and an output buffer reused across rectangles.
final class JPEGCompressor {
    /// Chroma subsampling, as TurboJPEG names it.
    enum Subsampling {
        case none, half, quarter

        var turboJPEG: Int32 {
            switch self {
            case .none: Int32(TJSAMP_444.rawValue)
            case .half: Int32(TJSAMP_422.rawValue)
            case .quarter: Int32(TJSAMP_420.rawValue)
            }
        }
    }

    /// Quality and subsampling per Tight quality level 0–9: TigerVNC's table, measured by
    /// the VirtualGL project (level 6, noVNC's default, is quality 79 without subsampling).
    static func setting(forLevel level: Int) -> (quality: Int32, subsampling: Subsampling) {
        switch min(max(level, 0), 9) {
        case 0: (15, .quarter)
        case 1: (29, .quarter)
        case 2: (41, .quarter)
        case 3: (42, .half)
        case 4: (62, .half)
        case 5: (77, .half)
        case 6: (79, .none)
        case 7: (86, .none)
        case 8: (92, .none)
        default: (100, .none)
        }
    }

    private let handle: tjhandle
    private var output: UnsafeMutablePointer<UInt8>
    private var capacity: Int

    init() {
        guard let handle = tjInitCompress() else { fatalError("tjInitCompress failed") }
        self.handle = handle
        capacity = 0
        output = .allocate(capacity: 1)
    }

    deinit {
        tjDestroy(handle)
        output.deallocate()
    }

    /// Compresses `width × height` pixels starting at `source` (rows `stride` pixels apart);
    /// the result stays valid until the next call.
    func compress(
        _ source: UnsafePointer<UInt32>, stride: Int, width: Int, height: Int,
        quality: Int32, subsampling: Subsampling
    ) -> UnsafeRawBufferPointer {
        let samp = subsampling.turboJPEG
        let bound = Int(tjBufSize(Int32(width), Int32(height), samp))
        if bound > capacity {
            output.deallocate()
            capacity = bound
            output = .allocate(capacity: capacity)
        }
        #if _endian(little)
            let pixelFormat = Int32(TJPF_BGRX.rawValue)
        #else
            let pixelFormat = Int32(TJPF_XRGB.rawValue)
        #endif
        var jpeg: UnsafeMutablePointer<UInt8>? = output
        var size: UInt = UInt(capacity)
        // NOREALLOC: the buffer is sized by tjBufSize; FASTDCT as TigerVNC (JDCT_FASTEST),
        // which TurboJPEG 2.1 uses anyway unless told ACCURATEDCT (measured: same bytes; the
        // accurate DCT cut the mean error of a q79 photo only from 2.920 to 2.914).
        let flags = TJFLAG_NOREALLOC | TJFLAG_FASTDCT
        let status = UnsafeRawPointer(source).withMemoryRebound(
            to: UInt8.self, capacity: stride * height * 4
        ) { bytes in
            tjCompress2(
                handle, bytes, Int32(width), Int32(stride * 4), Int32(height), pixelFormat,
                &jpeg, &size, samp, quality, flags)
        }
        precondition(status == 0, "tjCompress2 failed")
        return UnsafeRawBufferPointer(start: output, count: Int(size))
    }
}

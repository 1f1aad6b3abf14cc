/// What a viewer asked for with SetEncodings, in the terms encoders need.
public struct EncodingSettings: Hashable, Sendable {
    /// The encodings and pseudo-encodings the viewer listed, in its order of preference.
    public var encodings: [Int32]
    /// JPEG quality level 0–9 (pseudo-encodings -32…-23), or nil for lossless only.
    public var qualityLevel: Int?
    /// Compression level 0–9 (pseudo-encodings -256…-247), or nil for the default.
    public var compressionLevel: Int?

    public init(encodings: [Int32] = [], qualityLevel: Int? = nil, compressionLevel: Int? = nil) {
        self.encodings = encodings
        self.qualityLevel = qualityLevel
        self.compressionLevel = compressionLevel
    }

    /// Reads quality and compression levels out of a SetEncodings list.
    public init(fromSetEncodings list: [Int32]) {
        self.encodings = list
        self.qualityLevel = list.first(where: { (-32)...(-23) ~= $0 }).map { Int($0 + 32) }
        self.compressionLevel = list.first(where: { (-256)...(-247) ~= $0 }).map { Int($0 + 256) }
    }

    /// True when the viewer listed `encoding`.
    public func supports(_ encoding: Int32) -> Bool { encodings.contains(encoding) }
}

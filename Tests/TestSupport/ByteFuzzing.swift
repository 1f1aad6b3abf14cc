/// SplitMix64: a small, fast, reproducible random source for fuzz tests.
public struct SeededGenerator: RandomNumberGenerator {
    public var state: UInt64

    public init(state: UInt64) {
        self.state = state
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Mutations of valid protocol bytes that fuzz tests feed to parsers of untrusted input.
public enum ByteFuzzing {
    /// One to four random edits of `input`: a byte replaced, a bit flipped, bytes inserted,
    /// the tail cut, a length-like word set to an extreme, a prefix repeated, two bytes swapped.
    public static func mutate(_ input: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            switch Int.random(in: 0..<7, using: &rng) {
            case 0 where !bytes.isEmpty:
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(
                    in: 0...255, using: &rng)
            case 1 where !bytes.isEmpty:
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            case 2:
                let i = Int.random(in: 0...bytes.count, using: &rng)
                bytes.insert(
                    contentsOf: (0..<Int.random(in: 1...8, using: &rng)).map { _ in
                        UInt8.random(in: 0...255, using: &rng)
                    }, at: i)
            case 3 where !bytes.isEmpty:
                bytes.removeLast(Int.random(in: 1...bytes.count, using: &rng))
            case 4 where bytes.count > 4:
                // Interesting values in length-like positions.
                let i = Int.random(in: 0..<(bytes.count - 3), using: &rng)
                let v: [UInt8] = [
                    [0xFF, 0xFF, 0xFF, 0xFF], [0x80, 0, 0, 0], [0x7F, 0xFF, 0xFF, 0xFF],
                    [0, 0, 0, 0],
                ].randomElement(using: &rng)!
                bytes.replaceSubrange(i..<(i + 4), with: v)
            case 5:
                bytes += bytes.prefix(Int.random(in: 0...16, using: &rng))
            default:
                if !bytes.isEmpty {
                    bytes.swapAt(
                        Int.random(in: 0..<bytes.count, using: &rng),
                        Int.random(in: 0..<bytes.count, using: &rng))
                }
            }
        }
        return bytes
    }
}

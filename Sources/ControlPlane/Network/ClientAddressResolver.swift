/// Finds the client's address of a request: the socket's peer, unless that peer is one of
/// the trusted proxies, in which case the proxies' `Forwarded` / `X-Forwarded-For` chain is
/// read from the right, skipping trusted hops, to the first address no trusted proxy vouches
/// for. Headers from anyone else are ignored: a client cannot choose its own address.
public struct ClientAddressResolver: Sendable, Equatable {
    public let trustedProxies: [AddressRange]

    public init(trustedProxies: [AddressRange]) {
        self.trustedProxies = trustedProxies
    }

    /// - Parameters:
    ///   - peer: the socket's remote IP address.
    ///   - forwarded: values of `Forwarded` headers (RFC 7239), in order.
    ///   - forwardedFor: values of `X-Forwarded-For` headers, in order; used when there is no
    ///     `Forwarded`.
    public func resolve(peer: String?, forwarded: [String], forwardedFor: [String]) -> String? {
        guard let peer, isTrusted(peer) else { return peer }
        let chain =
            forwarded.isEmpty
            ? forwardedFor.flatMap { $0.split(separator: ",") }.map(Self.bareAddress)
            : forwarded.flatMap { $0.split(separator: ",") }.compactMap(Self.forValue)
                .map(Self.bareAddress)
        var client = peer
        for hop in chain.reversed() {
            // An unknown or obfuscated hop: the proxy that named it is all we know.
            guard AddressRange.addressBytes(hop) != nil else { break }
            client = hop
            if !isTrusted(hop) { break }
        }
        return client
    }

    private func isTrusted(_ address: String) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }

    /// The `for=` parameter of one `Forwarded` element.
    static func forValue(_ element: Substring) -> Substring? {
        for pair in element.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2,
                parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "for"
            else { continue }
            return parts[1]
        }
        return nil
    }

    /// `"[2001:db8::1]:4711"`, `192.0.2.1:80`, ` 192.0.2.1 ` → the address alone.
    static func bareAddress(_ text: Substring) -> String {
        var value = text.trimmingCharacters(in: .whitespaces)
        if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
            value = String(value.dropFirst().dropLast())
        }
        if value.hasPrefix("[") {
            guard let close = value.firstIndex(of: "]") else { return value }
            return String(value[value.index(after: value.startIndex)..<close])
        }
        // One colon is IPv4 with a port; more is a bare IPv6 address.
        if value.filter({ $0 == ":" }).count == 1, let colon = value.firstIndex(of: ":") {
            return String(value[..<colon])
        }
        return value
    }
}

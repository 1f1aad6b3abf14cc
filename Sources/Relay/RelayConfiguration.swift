import Crypto
import NIOCore
import TsunaguCore

/// What a relay needs to run: whose tickets it accepts, its own id, and its limits.
///
/// The server key and relay id come from the control plane (the standalone relay learns them
/// from its first report; the embedded relay gets them in-process).
public struct RelayConfiguration: Sendable {
    /// The control plane's Ed25519 public key; tickets must be signed by it.
    public var serverKey: Curve25519.Signing.PublicKey
    /// This relay's id, as tickets name it (`rid`).
    public var relayID: String
    /// How long the first end of a channel waits for its peer before `peer_timeout`.
    public var peerTimeout: TimeAmount
    /// How long a paired channel may carry no byte either way before `idle_timeout`.
    public var idleTimeout: TimeAmount
    /// How long a fresh connection may take to present its ticket: from the accept on the
    /// raw TCP listener (TLS handshake included), from the upgrade on WebSocket.
    public var handshakeTimeout: TimeAmount
    /// How long a connection to the WebSocket listener may take, from its accept, to send a
    /// complete HTTP request head and be upgraded. Bytes trickled meanwhile do not extend it,
    /// so a slow-loris client is closed at this limit.
    public var upgradeTimeout: TimeAmount
    /// Most connections from one IP address that have not yet presented a valid ticket
    /// (counted from the accept, or from the upgrade inside the control plane); one more is
    /// closed at once. Admitted connections do not count, so a busy office behind one NAT
    /// address is not limited by it.
    public var maxUnauthenticatedPerAddress: Int
    /// How long a closing end may take to deliver the bytes already queued for it.
    public var drainTimeout: TimeAmount
    /// Most channels (waiting or paired) at once; more are refused with `relay_full`.
    public var maxSessions: Int
    /// Largest WebSocket frame (and reassembled fragmented message) accepted from a peer.
    public var maxFrameSize: Int
    /// Largest WebSocket frame the relay sends; longer payload is split over several frames.
    /// Larger frames cost less per byte; peers must accept this size (browsers accept any,
    /// `RelayClient` 1 MiB).
    public var maxOutboundFrameSize: Int
    /// Bytes a peer may send before its partner arrived; they are held and delivered on
    /// pairing. More than this closes the connection.
    public var maxEarlyBytes: Int
    /// Bytes read from one end but not yet handed to its partner's event loop. Bounds memory
    /// when the two ends live on different event loops.
    public var crossLoopWindow: Int
    /// Outbound buffer marks of every peer channel: above `high` the partner stops being
    /// read until the buffer drains below `low`.
    public var writeBufferWaterMark: ChannelOptions.Types.WriteBufferWaterMark

    /// Creates a configuration; every limit has a safe default.
    public init(
        serverKey: Curve25519.Signing.PublicKey,
        relayID: String,
        peerTimeout: TimeAmount = .seconds(30),
        idleTimeout: TimeAmount = .minutes(10),
        handshakeTimeout: TimeAmount = .seconds(10),
        upgradeTimeout: TimeAmount = .seconds(10),
        maxUnauthenticatedPerAddress: Int = 64,
        drainTimeout: TimeAmount = .seconds(5),
        maxSessions: Int = 10_000,
        maxFrameSize: Int = 1 << 20,
        maxOutboundFrameSize: Int = 64 << 10,
        maxEarlyBytes: Int = 64 << 10,
        crossLoopWindow: Int = 256 << 10,
        writeBufferWaterMark: ChannelOptions.Types.WriteBufferWaterMark = .init(
            low: 32 << 10, high: 64 << 10)
    ) {
        self.serverKey = serverKey
        self.relayID = relayID
        self.peerTimeout = peerTimeout
        self.idleTimeout = idleTimeout
        self.handshakeTimeout = handshakeTimeout
        self.upgradeTimeout = upgradeTimeout
        self.maxUnauthenticatedPerAddress = maxUnauthenticatedPerAddress
        self.drainTimeout = drainTimeout
        self.maxSessions = maxSessions
        self.maxFrameSize = maxFrameSize
        self.maxOutboundFrameSize = maxOutboundFrameSize
        self.maxEarlyBytes = maxEarlyBytes
        self.crossLoopWindow = crossLoopWindow
        self.writeBufferWaterMark = writeBufferWaterMark
    }
}

extension RelayConfiguration {
    /// How long a paired channel may carry nothing before the relay closes it: a viewer or a
    /// copy that stopped is gone, but a quiet shell or chat is still being used, and the
    /// control plane (or the operator) ends those.
    public func idleTimeout(for channel: SessionChannel) -> TimeAmount {
        switch channel {
        case .desktop, .files: idleTimeout
        case .terminal, .chat: max(idleTimeout, .hours(12))
        }
    }
}

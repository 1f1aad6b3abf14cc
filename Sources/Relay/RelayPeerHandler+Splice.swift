import NIOCore

/// The splice: payload read from this end is written to the partner's channel, and this end
/// is read only while the partner can take more.
///
/// Backpressure: `read()` is held back while the partner's channel is not writable (its
/// outbound buffer is above the high water mark) or, for a partner on another event loop,
/// while more than `crossLoopWindow` bytes are on their way there. The partner tells us when
/// it drains (`partnerDrained`) or, only when we paused for the window, when our bytes have
/// reached it (`windowOpened`, see ``RelayCrossLoopWindow``). So a slow
/// reader slows its writer, and a pair holds at most about one read batch plus the high water
/// mark plus the window, whatever the writer does.
extension RelayPeerHandler {
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        switch stage {
        case .paired:
            forward(buffer)
        case .admitting, .waiting:
            // Held until the partner comes; reading pauses once the allowance is used up.
            earlyBytes += buffer.readableBytes
            early.append(buffer)
        case .awaitingTicket, .closed:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if stage == .paired { endOfReadBatch() }
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if canRead {
            context.read()
        } else {
            pendingRead = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, stage == .paired, let partner {
            if let partnerHandler {
                partnerHandler.partnerDrained()
            } else {
                partner.perform { $0.partnerDrained() }
            }
        }
        context.fireChannelWritabilityChanged()
    }

    /// Payload this handler holds outside the channel's own outbound buffer.
    var heldBytes: Int { earlyBytes + batchBytes + (window?.inFlight ?? 0) }

    // MARK: - Set-up

    /// Records the pairing and says PAIRED; no payload moves yet.
    func becomePaired(_ pair: RelayPair, partner: RelayPeerLink) {
        guard stage == .waiting || stage == .admitting, let context else { return }
        stage = .paired
        self.pair = pair
        self.partner = partner
        if partner.eventLoop === context.eventLoop {
            partnerHandler = partner.handler.value
        } else {
            window = RelayCrossLoopWindow(limit: relay.configuration.crossLoopWindow)
        }
        context.triggerUserOutboundEvent(RelayPeerStatus.paired, promise: nil)
    }

    /// Hands over the early payload and starts reading.
    func startSplice() {
        guard stage == .paired, let context else { return }
        let held = early
        early = []
        earlyBytes = 0
        for buffer in held { forward(buffer) }
        if !held.isEmpty { endOfReadBatch() }
        if pendingRead, canRead {
            pendingRead = false
            context.read()
        }
    }

    // MARK: - Copying

    private var canRead: Bool {
        switch stage {
        case .paired:
            guard let partner, !partnerGone else { return true }
            if let partnerHandler {
                return partnerHandler.context?.channel.isWritable ?? true
            }
            return partner.channel.isWritable && (window?.mayReadOrPause() ?? true)
        case .admitting, .waiting:
            return earlyBytes < relay.configuration.maxEarlyBytes
        case .awaitingTicket, .closed:
            return true
        }
    }

    private func forward(_ buffer: ByteBuffer) {
        guard !partnerGone else { return }
        unrecordedBytes += buffer.readableBytes
        if let partnerHandler {
            partnerHandler.writeFromPartner(buffer)
        } else {
            batchBytes += buffer.readableBytes
            batch.append(buffer)
        }
    }

    private func endOfReadBatch() {
        if unrecordedBytes > 0, let pair, let link {
            pair.record(bytes: unrecordedBytes, from: link.role)
            unrecordedBytes = 0
        }
        if let partnerHandler {
            partnerHandler.flushFromPartner()
        } else if !batch.isEmpty, let partner, let link, let window {
            let buffers = batch
            let bytes = batchBytes
            batch = []
            batchBytes = 0
            window.send(bytes)
            partner.eventLoop.execute {
                partner.handler.value?.writeFromPartner(buffers)
                if window.delivered(bytes) {
                    link.perform { $0.windowOpened() }
                }
            }
        }
    }

    /// We paused for the cross-loop window, and our bytes have since reached the partner.
    func windowOpened() {
        resumeIfPossible()
    }

    /// The partner's outbound buffer drained below the low water mark.
    func partnerDrained() {
        resumeIfPossible()
    }

    private func resumeIfPossible() {
        guard pendingRead, canRead, let context else { return }
        pendingRead = false
        context.read()
    }

    func writeFromPartner(_ buffer: ByteBuffer) {
        guard stage == .paired, let context else { return }
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    func writeFromPartner(_ buffers: [ByteBuffer]) {
        guard stage == .paired, let context else { return }
        for buffer in buffers {
            context.write(wrapOutboundOut(buffer), promise: nil)
        }
        context.flush()
    }

    func flushFromPartner() {
        context?.flush()
    }
}

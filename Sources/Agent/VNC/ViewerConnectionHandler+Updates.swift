import NIOCore
import RFB

extension ViewerConnectionHandler {
    /// Sends one FramebufferUpdate when the viewer wants one, there is something to send,
    /// and the previous update has left the socket.
    func sendUpdateIfPossible() {
        guard let context, !closed, session.isInitialised, let frame else { return }
        guard !updateInFlight, context.channel.isWritable else { return }
        guard updateRequested || continuousArea != nil else { return }
        let settings = session.encodingSettings
        let resizing = pendingResize
        var pseudo = EncodedUpdate()
        appendPseudoRects(to: &pseudo, frame: frame, settings: settings)
        // The requested area, widened by the continuous one; all of it after a resize.
        var area = updateRequested ? requestedArea : (continuousArea ?? frame.bounds)
        if resizing {
            area = frame.bounds
        } else if updateRequested, let c = continuousArea {
            let x = min(area.x, c.x)
            let y = min(area.y, c.y)
            area = Rect(
                x: x, y: y, width: max(area.maxX, c.maxX) - x, height: max(area.maxY, c.maxY) - y)
        }
        let rects = damage.take(in: area)
        guard !rects.isEmpty || pseudo.rectangleCount > 0 else { return }
        let encoded = encoder.encode(rects, of: frame, as: session.pixelFormat, settings: settings)
        var out: [UInt8] = []
        out.reserveCapacity(4 + pseudo.bytes.count + encoded.bytes.count)
        ServerMessageWriter.framebufferUpdateHeader(
            rectangleCount: pseudo.rectangleCount + encoded.rectangleCount, into: &out)
        out += pseudo.bytes
        out += encoded.bytes
        updateRequested = false
        updateInFlight = true
        updatesSent += 1
        if updatesSent == 1 {
            logger.info(
                "first update sent",
                metadata: [
                    "rectangles": "\(pseudo.rectangleCount + encoded.rectangleCount)",
                    "bytes": "\(out.count)",
                    "encoding": "\(settings.supports(Encoding.tight) ? "tight" : "raw")",
                ])
        } else {
            logger.debug("update sent", metadata: ["n": "\(updatesSent)", "bytes": "\(out.count)"])
        }
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.futureResult.assumeIsolated().whenComplete { [self] _ in
            updateInFlight = false
            refreshWantsFrames()
            sendUpdateIfPossible()
        }
        write(out, promise: promise)
    }

    /// Resize, acknowledgements and the cursor go first in the update, as pseudo-rectangles.
    private func appendPseudoRects(
        to update: inout EncodedUpdate, frame: Framebuffer, settings: EncodingSettings
    ) {
        let screens = [ScreenLayout(id: 0, rect: frame.bounds)]
        let extended = settings.supports(Encoding.extendedDesktopSize)
        if pendingResize {
            pendingResize = false
            sentSize = (frame.width, frame.height)
            damage.reset(width: frame.width, height: frame.height)
            damage.add(frame.bounds)
            if extended {
                ServerMessageWriter.extendedDesktopSize(
                    reason: .server, status: .success, width: frame.width, height: frame.height,
                    screens: screens, into: &update.bytes)
                update.rectangleCount += 1
            } else if settings.supports(Encoding.desktopSize) {
                ServerMessageWriter.desktopSize(
                    width: frame.width, height: frame.height, into: &update.bytes)
                update.rectangleCount += 1
            } else {
                logger.warning("screen resized but the viewer cannot be told")
            }
            pendingExtendedDesktopSizeAck = false
        }
        if pendingExtendedDesktopSizeAck && extended {
            pendingExtendedDesktopSizeAck = false
            ServerMessageWriter.extendedDesktopSize(
                reason: .server, status: .success, width: frame.width, height: frame.height,
                screens: screens, into: &update.bytes)
            update.rectangleCount += 1
        }
        if pendingDesktopSizeReply && extended {
            pendingDesktopSizeReply = false
            ServerMessageWriter.extendedDesktopSize(
                reason: .thisClient, status: .prohibited, width: frame.width,
                height: frame.height, screens: screens, into: &update.bytes)
            update.rectangleCount += 1
        }
        if pendingQEMUAck && settings.supports(Encoding.qemuExtendedKeyEvent) {
            pendingQEMUAck = false
            ServerMessageWriter.acknowledge(
                pseudoEncoding: Encoding.qemuExtendedKeyEvent, into: &update.bytes)
            update.rectangleCount += 1
        }
        if let cursor = pendingCursor, settings.supports(Encoding.cursor) {
            pendingCursor = nil
            ServerMessageWriter.cursor(cursor, format: session.pixelFormat, into: &update.bytes)
            update.rectangleCount += 1
        }
    }
}

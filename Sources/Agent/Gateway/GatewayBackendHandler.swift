import NIOCore

/// The backend side of a gateway connection: hands bytes to the viewer's handler.
final class GatewayBackendHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let gateway: NIOLoopBound<GatewayConnectionHandler>

    init(gateway: NIOLoopBound<GatewayConnectionHandler>) { self.gateway = gateway }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        gateway.value.backendRead(buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    func channelInactive(context: ChannelHandlerContext) {
        gateway.value.close(reason: "backend closed")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        gateway.value.close(reason: "backend error: \(error)")
    }
}

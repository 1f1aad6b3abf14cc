import Foundation

/// What `VNCBridge` has to tell the operator, each with its English and Japanese lines.
public enum BridgeEvent: Sendable, Equatable {
    /// The local port is open.
    case listening(host: String, port: Int)
    /// A viewer connected; a session is being asked for.
    case viewerConnected(from: String)
    /// The device is attended: its user must accept first.
    case waitingForCustomer(device: String)
    /// Both ends met at the relay: the viewer sees the screen.
    case paired(session: UUID)
    /// A session ended; bytes as this side counted them.
    case ended(session: UUID, fromViewer: Int64, toViewer: Int64)
    /// A viewer's session could not be made (the bridge keeps listening unless it is fatal).
    case failed(String)

    /// The lines to print.
    public var text: String {
        switch self {
        case .listening(let host, let port):
            "VNC viewer → \(host):\(port)\nVNC ビューアーの接続先 → \(host):\(port)"
        case .viewerConnected(let from):
            "Viewer connected from \(from); asking for a session… / ビューアーが接続しました。セッションを要求しています…"
        case .waitingForCustomer(let device):
            "Waiting for the customer to accept on \(device)… / お客様（\(device)）の承認を待っています…"
        case .paired(let session):
            "Connected (session \(session.uuidString.lowercased())). / 接続しました。"
        case .ended(let session, let fromViewer, let toViewer):
            "Session \(session.uuidString.lowercased()) ended: \(fromViewer) bytes sent, \(toViewer) bytes received."
                + " / セッションを終了しました。"
        case .failed(let why):
            why
        }
    }
}

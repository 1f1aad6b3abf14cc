import Foundation
import TsunaguCore

extension APIError {
    /// What to show the user: the server's English message, then a Japanese line and a hint
    /// on what to do next, both chosen by `code`.
    public var explanation: String {
        var english = message
        if let hint = Self.englishHints[code] { english += " " + hint }
        let japanese =
            Self.japanese(code: code, retryAfter: retryAfter) ?? "サーバーがエラーを返しました (\(code))。"
        return "\(english)\n\(japanese)"
    }

    /// True when trying again cannot help without the user changing something (a wrong
    /// password, an unknown device, a lost login), so `tsunagu connect` stops listening
    /// instead of failing the same way for every viewer.
    public var isFatalForConnect: Bool {
        Self.fatalForConnect.contains(code)
    }

    private static let fatalForConnect: Set<String> = [
        "unauthenticated", "invalid_credentials", "device_not_found", "wrong_password",
        "device_locked",
        "licence_invalid", "tenant_inactive", "invalid_field", "ca_file_unreadable",
    ]

    private static let englishHints: [String: String] = [
        "unauthenticated": "Run tsunagu login again.",
        "device_offline": "Ask the customer to start the Tsunagu agent.",
        "no_relay": "Ask your provider to check the relays.",
        "unreachable": "Check the server URL and your network.",
    ]

    private static func japanese(code: String, retryAfter: Int?) -> String? {
        let wait = retryAfter.map { "\($0) 秒後に" } ?? "しばらくしてから"
        switch code {
        case "invalid_credentials": return "会社ID、ログイン名またはパスワードが違います。"
        case "too_many_attempts": return "ログインの失敗が多すぎます。\(wait)もう一度お試しください。"
        case "unauthenticated": return "ログインが無効です。もう一度 tsunagu login を実行してください。"
        case "tenant_inactive": return "この会社のアカウントは停止または解約されています。"
        case "licence_invalid": return "会社のライセンスが有効ではありません。"
        case "admin_required": return "この操作は会社の管理者だけが行えます。"
        case "device_not_found": return "その接続名のデバイスはあなたの会社にありません。"
        case "wrong_password": return "接続パスワードが違います。"
        case "device_locked": return "接続パスワードの誤りが多すぎるため、このデバイスはロックされています。\(wait)お試しください。"
        case "device_offline": return "デバイスがオフラインです。お客様に Tsunagu エージェントを起動してもらってください。"
        case "no_relay": return "使えるリレーがありません。\(wait)お試しください。"
        case "session_not_found": return "そのセッションはあなたの会社にありません。"
        case "not_your_session": return "このセッションを終了できるのは、開始したオペレーターか管理者だけです。"
        case "invalid_field", "missing_field", "invalid_json": return "リクエストの内容が正しくありません。"
        case "unreachable": return "サーバーに接続できません。URL とネットワークを確認してください。"
        case "unexpected_answer": return "サーバーから予期しない応答がありました。"
        case "ca_file_unreadable": return "CA 証明書ファイルを読めません。"
        default: return nil
        }
    }

    /// Why a session ended before it started, in both languages (`declined`, `no_answer`, …).
    public static func sessionEndExplanation(_ reason: SessionEndReason) -> String {
        switch reason {
        case .declined:
            "The customer declined the session.\nお客様が接続を拒否しました。"
        case .noAnswer:
            "The customer did not answer in time.\nお客様から時間内に応答がありませんでした。"
        case .agentUnreachable:
            "The device went offline before the session started.\nセッション開始前にデバイスがオフラインになりました。"
        case .notStarted:
            "The session did not start in time.\nセッションが時間内に開始されませんでした。"
        case .relayLost:
            "The relay was lost.\nリレーとの接続が失われました。"
        case .channelDisabled:
            "The device has this feature turned off.\nこのデバイスではこの機能が無効になっています。"
        case .channelUnavailable:
            "The device could not open it (for example, its screen or VNC server is not available).\nデバイス側で開けませんでした（画面や VNC サーバーが利用できない可能性があります）。"
        case .agentStopped:
            "The device's agent was stopped.\nデバイスのエージェントが停止しました。"
        case .endedByCustomer:
            "The customer ended the session.\nお客様がセッションを終了しました。"
        case .endedByOperator:
            "The session was ended by an operator.\nオペレーターがセッションを終了しました。"
        case .unsupportedChannel:
            "The device's agent is too old for this feature; update it.\nデバイスのエージェントがこの機能に対応していません。更新してください。"
        default:
            "The session ended before it started (\(reason.rawValue)).\nセッションは開始前に終了しました (\(reason.rawValue))。"
        }
    }
}

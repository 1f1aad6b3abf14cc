import Foundation
import Testing
import TsunaguCore

@testable import OperatorClient

/// Error answers become typed errors with the server's code and message.
struct APIErrorTests {
    @Test func decodesTheEnvelope() {
        let body = Data(
            #"{"error":{"code":"wrong_password","message":"The connection password is wrong."}}"#
                .utf8)
        let error = APIError(status: 403, body: body, retryAfterHeader: nil)
        #expect(
            error
                == APIError(
                    status: 403, code: "wrong_password",
                    message: "The connection password is wrong."))
        #expect(error.isFatalForConnect)
        #expect(error.explanation.hasPrefix("The connection password is wrong."))
        #expect(error.explanation.contains("接続パスワードが違います"))
    }

    @Test func keepsRetryAfter() {
        let body = Data(
            #"{"error":{"code":"too_many_attempts","message":"Too many failed logins."}}"#.utf8)
        let error = APIError(status: 429, body: body, retryAfterHeader: " 42 ")
        #expect(error.retryAfter == 42)
        #expect(error.explanation.contains("42 秒後"))
        let locked = APIError(
            status: 429,
            body: Data(#"{"error":{"code":"device_locked","message":"Locked."}}"#.utf8),
            retryAfterHeader: "300")
        #expect(locked.retryAfter == 300 && locked.explanation.contains("300 秒後"))
    }

    @Test func aBodyThatIsNotTheEnvelopeStillGivesAnError() {
        let error = APIError(
            status: 502, body: Data("<html>Bad Gateway</html>".utf8), retryAfterHeader: nil)
        #expect(error.code == "http_502")
        #expect(error.message.contains("Bad Gateway"))
        let empty = APIError(status: 500, body: Data(), retryAfterHeader: "soon")
        #expect(empty.message == "The server answered HTTP 500." && empty.retryAfter == nil)
    }

    @Test(arguments: [
        "invalid_credentials", "too_many_attempts", "unauthenticated", "device_not_found",
        "wrong_password",
        "device_locked", "device_offline", "no_relay", "licence_invalid", "tenant_inactive",
        "unreachable",
    ])
    func everyKnownCodeHasAJapaneseLine(code: String) {
        let text = APIError(status: 400, code: code, message: "English.").explanation
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(!text.contains("サーバーがエラーを返しました"))
    }

    @Test func unknownCodesStillExplainThemselves() {
        let text = APIError(status: 418, code: "teapot", message: "I am a teapot.").explanation
        #expect(text.contains("I am a teapot.") && text.contains("teapot"))
    }

    @Test func retryableErrorsDoNotStopTheBridge() {
        for code in ["device_offline", "no_relay", "unreachable", "http_502"] {
            #expect(!APIError(status: 409, code: code, message: "").isFatalForConnect)
        }
    }

    @Test func sessionEndReasonsAreExplained() {
        #expect(APIError.sessionEndExplanation(.declined).contains("declined"))
        #expect(APIError.sessionEndExplanation(.declined).contains("拒否"))
        #expect(APIError.sessionEndExplanation(.noAnswer).contains("応答"))
        #expect(APIError.sessionEndExplanation(.relayShutdown).contains("relay_shutdown"))
        #expect(APIError.sessionEndExplanation(.channelDisabled).contains("無効"))
    }
}

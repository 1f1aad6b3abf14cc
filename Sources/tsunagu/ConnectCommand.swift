import ArgumentParser
import Foundation
import OperatorClient

/// `tsunagu connect NAME --password-stdin [--local-port P]`: a local VNC port for any VNC
/// viewer, bridged to the device through a relay; one session per viewer connection.
struct ConnectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Open a local VNC port to a device's screen. / デバイスの画面をローカルの VNC ポートで開く")

    @Argument(help: "The device's connection name. / 接続名")
    var name: String

    @Flag(
        name: .customLong("password-stdin"),
        help: "Read the device's connection password from standard input. / 接続パスワードを標準入力から読む")
    var passwordStdin = false

    @Option(
        name: .customLong("local-port"), help: "The local port (default: any free port). / ローカルポート")
    var localPort: Int = 0

    @OptionGroup var tls: TLSOptions

    func validate() throws {
        guard (0...65_535).contains(localPort) else {
            throw ValidationError("--local-port must be 0…65535 / --local-port は 0〜65535 です")
        }
    }

    func run() async throws {
        let password = try CLI.readPassword(
            fromStdin: passwordStdin, prompt: "Connection password / 接続パスワード: ")
        let credentials = try CLI.loadCredentials()
        let (name, localPort) = (name, localPort)
        try await CLI.withAPI(credentials, caFile: tls.caFile) { api in
            // A name that is not there fails now, before a port is opened for nothing.
            let devices = try await api.devices()
            guard let device = devices.first(where: { $0.name.lowercased() == name.lowercased() })
            else {
                throw APIError(
                    status: 404, code: "device_not_found",
                    message: "No device \(name) in your company.")
            }
            if !device.online {
                CLI.warn("\(device.name) is offline for now. / \(device.name) は現在オフラインです。")
            }
            let bridge = VNCBridge(
                api: api,
                configuration: .init(device: device.name, password: password, port: localPort)
            ) { event in
                if case .failed(let text) = event { CLI.warn(text) } else { CLI.say(event.text) }
            }
            try await CLI.untilInterrupted { try await bridge.run() }
        }
    }
}

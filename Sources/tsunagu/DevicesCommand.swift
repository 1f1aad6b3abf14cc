import ArgumentParser
import Foundation
import OperatorClient

/// `tsunagu devices`: the company's devices as a table, or JSON with `--json`.
struct DevicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices", abstract: "List your company's devices. / デバイス一覧")

    @Flag(help: "Print JSON instead of a table. / 表ではなく JSON で表示")
    var json = false

    @OptionGroup var tls: TLSOptions

    func run() async throws {
        let credentials = try CLI.loadCredentials()
        let devices = try await CLI.withAPI(credentials, caFile: tls.caFile) {
            try await $0.devices()
        }
        if json && devices.isEmpty {
            CLI.say("[]")
        } else if json {
            let data = try APIJSON.encoder(pretty: true).encode(devices)
            CLI.say(String(decoding: data, as: UTF8.self))
        } else {
            FileHandle.standardOutput.write(Data(DeviceTable.render(devices).utf8))
        }
    }
}

import Foundation
import Testing

@testable import OperatorClient

/// The answers' shapes as the control plane's DTOs encode them.
struct APIModelsTests {
    @Test func decodesALoginAnswer() throws {
        let json = #"""
            {"operator":{"login":"admin","role":"admin","company":"ACME","id":"039673C0-F0F2-41A7-816E-F144D0778C35",
             "active":true},"token":"tso_x","csrfToken":"csrf_y","expiresAt":"2026-11-28T18:16:53Z"}
            """#
        let result = try APIJSON.decoder().decode(LoginResult.self, from: Data(json.utf8))
        #expect(result.token == "tso_x" && result.operator.company == "ACME")
        #expect(result.expiresAt == Date(timeIntervalSince1970: 1_795_889_813))
    }

    @Test func decodesDevicesWithMissingFacts() throws {
        let json = #"""
            [{"name":"pc","online":true,"mode":"unattended","os":"Linux 6.1","hostname":"h","lastSeenAt":"2026-11-28T06:00:00.250Z"},
             {"name":"kiosk","online":false,"mode":"attended"}]
            """#
        let devices = try APIJSON.decoder().decode([DeviceInfo].self, from: Data(json.utf8))
        #expect(devices.count == 2)
        #expect(
            devices[0].lastSeenAt != nil && devices[1].os == nil && devices[1].lastSeenAt == nil)
    }

    @Test func decodesACreatedSession() throws {
        let json = #"""
            {"sessionId":"8D1B1B1E-36A3-4E0E-9E4B-3C8F0C0A0B0C","relayUrl":"ws://127.0.0.1:8080/relay/v1",
             "ticket":"eyJ","expiresAt":"2026-11-28T06:00:30Z","attended":true}
            """#
        let created = try APIJSON.decoder().decode(CreatedSession.self, from: Data(json.utf8))
        #expect(created.attended && created.relayUrl.hasSuffix("/relay/v1"))
    }

    @Test func queryValuesAreEscaped() {
        let query = TsunaguAPI.queryString([
            ("from", "2026-11-28T06:00:00+09:00"), ("format", "csv"),
        ])
        #expect(query == "from=2026-11-28T06%3A00%3A00%2B09%3A00&format=csv")
    }

    @Test func deviceTableShowsStateAndLastSeen() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let table = DeviceTable.render(
            [
                DeviceInfo(
                    name: "front-desk", online: true, mode: "attended", os: "Linux 6.1",
                    lastSeenAt: now),
                DeviceInfo(
                    name: "pc", online: false, mode: "unattended",
                    lastSeenAt: now.addingTimeInterval(-300)),
                DeviceInfo(
                    name: "old", online: false, mode: "unattended",
                    lastSeenAt: now.addingTimeInterval(-200_000)),
                DeviceInfo(name: "new", online: false, mode: "unattended"),
            ], now: now)
        let lines = table.split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        #expect(lines[0].hasPrefix("NAME        STATUS   MODE"))
        #expect(lines[1].contains("online") && lines[1].hasSuffix("now"))
        #expect(
            lines[2].contains("offline") && lines[2].hasSuffix("5m ago") && lines[2].contains(" - ")
        )
        #expect(lines[3].hasSuffix("2027-01-13 00:26Z"))
        #expect(lines[4].hasSuffix("never"))
        #expect(DeviceTable.render([]).contains("デバイスはまだありません"))
    }
}

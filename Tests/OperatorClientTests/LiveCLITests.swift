import Foundation
import OperatorClient
import Testing

/// `tsunagu login`, `devices` and `log export` against a real `tsunagu-server`.
@Suite(
    .serialized,
    .enabled(if: CLIHarness.serverAndCLIPresent, "build tsunagu-server and tsunagu first"))
struct LiveCLITests {
    @Test func loginKeepsAPrivateTokenAndDevicesStartsEmpty() async throws {
        let harness = try CLIHarness()
        #expect(try await harness.startServer(), "\(harness.live.log("server.log"))")
        try harness.makeCompany("CLI")
        let login = try await harness.tsunagu(
            [
                "login", "--server", harness.base + "/", "--company", "cli", "--login", "admin",
                "--password-stdin",
            ],
            stdin: "admin-password\n")
        #expect(login.status == 0, "\(login.stderr)")
        #expect(login.stdout.contains("Logged in to \(harness.base) as admin@CLI"))
        #expect(login.stdout.contains("ログインしました"))

        let store = CredentialStore(directory: URL(fileURLWithPath: harness.configDir))
        let attributes = try FileManager.default.attributesOfItem(atPath: store.fileURL.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let saved = try store.load()
        #expect(saved.company == "CLI" && saved.login == "admin" && saved.token.hasPrefix("tso_"))
        #expect(saved.server.base == harness.base)
        #expect(saved.expiresAt > Date().addingTimeInterval(3600))

        let table = try await harness.tsunagu(["devices"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("No devices yet"))
        let json = try await harness.tsunagu(["devices", "--json"])
        #expect(json.status == 0)
        #expect(json.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
    }

    @Test func wrongPasswordsAndMissingLoginsAreExplained() async throws {
        let harness = try CLIHarness()
        #expect(try await harness.startServer())
        try harness.makeCompany("CLIW")

        let notYet = try await harness.tsunagu(["devices"])
        #expect(notYet.status != 0)
        #expect(notYet.stderr.contains("run tsunagu login first"))

        let wrong = try await harness.tsunagu(
            [
                "login", "--server", harness.base, "--company", "CLIW", "--login", "admin",
                "--password-stdin",
            ],
            stdin: "not-the-password")
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("The company ID, login or password is wrong."))
        #expect(wrong.stderr.contains("パスワードが違います"))
        #expect(!FileManager.default.fileExists(atPath: harness.configDir + "/credentials.json"))

        let empty = try await harness.tsunagu(
            [
                "login", "--server", harness.base, "--company", "CLIW", "--login", "admin",
                "--password-stdin",
            ],
            stdin: "")
        #expect(empty.status != 0 && empty.stderr.contains("empty"))
    }

    @Test func aBadTokenIsAnErrorThatSaysLogInAgain() async throws {
        let harness = try CLIHarness()
        #expect(try await harness.startServer())
        try harness.makeCompany("CLIB")
        try CredentialStore(directory: URL(fileURLWithPath: harness.configDir)).save(
            Credentials(
                server: try ServerURL(harness.base), company: "CLIB", login: "admin",
                token: "tso_forged",
                expiresAt: Date().addingTimeInterval(3600)))
        let result = try await harness.tsunagu(["devices"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("tsunagu login"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func logExportWritesCSVAndJSON() async throws {
        let harness = try CLIHarness()
        #expect(try await harness.startServer())
        try harness.makeCompany("CLIL")
        #expect(try await harness.login("CLIL").status == 0)

        let csv = try await harness.tsunagu([
            "log", "export", "--from", "2026-01-01", "--to", "2099-12-31",
        ])
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(csv.stdout.hasPrefix("seq,session_id,operator,device"))

        let file = harness.live.path("log.json")
        let json = try await harness.tsunagu(["log", "export", "--format", "json", "--output", file])
        #expect(json.status == 0, "\(json.stderr)")
        let records = try APIJSON.decoder().decode(
            [ConnectionRecord].self, from: Data(contentsOf: URL(fileURLWithPath: file)))
        #expect(records.isEmpty)
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let leftovers = try FileManager.default.contentsOfDirectory(
            atPath: harness.live.directory.path)
        #expect(!leftovers.contains { $0.contains(".partial-") })

        let badDate = try await harness.tsunagu(["log", "export", "--from", "yesterday"])
        #expect(badDate.status != 0 && badDate.stderr.contains("from"))
        let badFormat = try await harness.tsunagu(["log", "export", "--format", "xml"])
        #expect(badFormat.status != 0 && badFormat.stderr.contains("csv"))
    }

    @Test func connectToAnUnknownDeviceFailsBeforeListening() async throws {
        let harness = try CLIHarness()
        #expect(try await harness.startServer())
        try harness.makeCompany("CLIU")
        #expect(try await harness.login("CLIU").status == 0)
        let result = try await harness.tsunagu(
            ["connect", "nowhere", "--password-stdin"], stdin: "x\n", timeout: 20)
        #expect(result.status != 0)
        #expect(result.stderr.contains("No device nowhere"))
        #expect(result.stderr.contains("デバイス"))
        #expect(!result.stdout.contains("VNC viewer"))
    }

    @Test func plainHTTPToAnotherMachineIsRefusedBeforeAnyPasswordIsSent() async throws {
        let harness = try CLIHarness()
        let result = try await harness.tsunagu(
            [
                "login", "--server", "http://192.0.2.1:8080", "--company", "ACME", "--login", "a",
                "--password-stdin",
            ],
            stdin: "secret\n", timeout: 20)
        #expect(result.status != 0)
        #expect(result.stderr.contains("plain http:// is allowed only to this machine"))
    }
}

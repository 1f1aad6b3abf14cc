import Foundation
import Testing

@testable import OperatorClient

/// Where and how `tsunagu login` keeps the token: 0600, atomic, refused once expired.
struct CredentialStoreTests {
    private static func temporaryStore() throws -> CredentialStore {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tsunagu-cred-\(UUID().uuidString)/nested/tsunagu")
        return CredentialStore(directory: dir)
    }

    private static func sample(expiresIn seconds: TimeInterval = 3600) throws -> Credentials {
        Credentials(
            server: try ServerURL("https://support.example.com"), company: "ACME", login: "alice",
            token: "tso_secret", expiresAt: Date().addingTimeInterval(seconds).rounded())
    }

    private static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test func savesWithMode0600InA0700DirectoryAndReadsBack() throws {
        let store = try Self.temporaryStore()
        let credentials = try Self.sample()
        try store.save(credentials)
        #expect(try Self.mode(store.fileURL.path) == 0o600)
        #expect(try Self.mode(store.directory.path) == 0o700)
        #expect(try store.load() == credentials)
        let text = try String(contentsOf: store.fileURL, encoding: .utf8)
        #expect(text.contains("https://support.example.com"))
        #expect(!text.contains("password"))
    }

    @Test func aWiderExistingFileIsReplacedBy0600() throws {
        let store = try Self.temporaryStore()
        try FileManager.default.createDirectory(
            at: store.directory, withIntermediateDirectories: true)
        FileManager.default.createFile(
            atPath: store.fileURL.path, contents: Data("old".utf8),
            attributes: [.posixPermissions: 0o644])
        try store.save(try Self.sample())
        #expect(try Self.mode(store.fileURL.path) == 0o600)
    }

    @Test func replacesInOneStepAndLeavesNoTemporaryFiles() throws {
        let store = try Self.temporaryStore()
        let first = try Self.sample()
        try store.save(first)
        let inodeBefore =
            try FileManager.default.attributesOfItem(atPath: store.fileURL.path)[.systemFileNumber]
            as? NSNumber
        // A reader that opened the old file keeps reading all of it: the new one is a rename.
        let reader = try FileHandle(forReadingFrom: store.fileURL)
        var second = first
        second.token = "tso_other"
        try store.save(second)
        let oldText = String(decoding: try reader.readToEnd() ?? Data(), as: UTF8.self)
        try reader.close()
        #expect(oldText.contains("tso_secret"))
        #expect(try store.load().token == "tso_other")
        let inodeAfter =
            try FileManager.default.attributesOfItem(atPath: store.fileURL.path)[.systemFileNumber]
            as? NSNumber
        #expect(inodeBefore != inodeAfter)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: store.directory.path)
        #expect(leftovers == ["credentials.json"])
    }

    @Test func absentMeansNotLoggedIn() throws {
        let store = try Self.temporaryStore()
        #expect(throws: CredentialStore.Failure.notLoggedIn) { try store.load() }
        #expect(CredentialStore.Failure.notLoggedIn.description.contains("run tsunagu login first"))
    }

    @Test func expiredOrAboutToExpireIsRefused() throws {
        let store = try Self.temporaryStore()
        let past = try Self.sample(expiresIn: -10)
        try store.save(past)
        #expect(throws: CredentialStore.Failure.expired(past.expiresAt)) { try store.load() }
        // Within the last minute counts as expired too: a command must not die half-way.
        try store.save(try Self.sample(expiresIn: 30))
        #expect(throws: CredentialStore.Failure.self) { try store.load() }
        let later = try Self.sample(expiresIn: 3600)
        try store.save(later)
        #expect(try store.load() == later)
        #expect(throws: CredentialStore.Failure.expired(later.expiresAt)) {
            try store.load(now: later.expiresAt.addingTimeInterval(1))
        }
        #expect(
            CredentialStore.Failure.expired(Date()).description.contains("run tsunagu login first"))
    }

    @Test func aDamagedFileIsReportedNotTrusted() throws {
        let store = try Self.temporaryStore()
        try FileManager.default.createDirectory(
            at: store.directory, withIntermediateDirectories: true)
        try Data("{not json".utf8).write(to: store.fileURL)
        #expect {
            try store.load()
        } throws: { error in
            if case .unreadable = error as? CredentialStore.Failure { return true }
            return false
        }
    }

    @Test func removeForgetsTheLogin() throws {
        let store = try Self.temporaryStore()
        try store.save(try Self.sample())
        try store.remove()
        try store.remove()
        #expect(throws: CredentialStore.Failure.notLoggedIn) { try store.load() }
    }

    @Test func theDirectoryComesFromTheEnvironment() {
        #expect(
            CredentialStore.standard(environment: [
                "TSUNAGU_CONFIG_DIR": "/srv/cfg", "HOME": "/home/a",
            ])
            .fileURL.path == "/srv/cfg/credentials.json")
        #expect(
            CredentialStore.standard(environment: ["XDG_CONFIG_HOME": "/x", "HOME": "/home/a"])
                .fileURL.path
                == "/x/tsunagu/credentials.json")
        #expect(
            CredentialStore.standard(environment: ["HOME": "/home/a"]).fileURL.path
                == "/home/a/.config/tsunagu/credentials.json")
    }
}

extension Date {
    /// Whole seconds, as ISO 8601 in the file keeps them.
    fileprivate func rounded() -> Date {
        Date(timeIntervalSince1970: timeIntervalSince1970.rounded(.down))
    }
}

import Testing

@testable import Agent

/// `--enroll-token` beats `--enroll-token-file`, which beats `TSUNAGU_ENROLL_TOKEN`; a named
/// file that cannot give a token is an error, not a silent fall-through to the next source.
struct AgentEnrollTokenSourceTests {
    struct Missing: Error {}

    private let files = ["/etc/token": "  file-token\n", "/etc/blank": " \n\t\n"]
    private let environment = [AgentEnrollTokenSource.environmentVariable: "env-token"]

    private func read(_ path: String) throws -> String {
        guard let text = files[path] else { throw Missing() }
        return text
    }

    @Test func flagWinsOverFileAndEnvironment() throws {
        let token = try AgentEnrollTokenSource.resolve(
            flag: "flag-token", file: "/etc/token", environment: environment, readFile: read)
        #expect(token == "flag-token")
    }

    @Test func flagDoesNotReadTheFile() throws {
        let token = try AgentEnrollTokenSource.resolve(
            flag: "flag-token", file: "/nowhere", environment: [:], readFile: read)
        #expect(token == "flag-token")
    }

    @Test func fileIsTrimmedAndWinsOverEnvironment() throws {
        let token = try AgentEnrollTokenSource.resolve(
            flag: nil, file: "/etc/token", environment: environment, readFile: read)
        #expect(token == "file-token")
    }

    @Test func environmentIsTheLastResort() throws {
        let token = try AgentEnrollTokenSource.resolve(
            flag: nil, file: nil, environment: environment, readFile: read)
        #expect(token == "env-token")
        let none = try AgentEnrollTokenSource.resolve(
            flag: nil, file: nil, environment: [AgentEnrollTokenSource.environmentVariable: " "],
            readFile: read)
        #expect(none == nil)
        #expect(
            try AgentEnrollTokenSource.resolve(
                flag: nil, file: nil, environment: [:], readFile: read) == nil)
    }

    @Test func unreadableFileIsAnError() {
        #expect {
            _ = try AgentEnrollTokenSource.resolve(
                flag: nil, file: "/nowhere", environment: environment, readFile: read)
        } throws: { error in
            guard case .unreadableFile(let path, _) = error as? AgentEnrollTokenSource.Failure
            else { return false }
            return path == "/nowhere"
        }
    }

    @Test func emptyFileIsAnError() {
        #expect(throws: AgentEnrollTokenSource.Failure.emptyFile(path: "/etc/blank")) {
            _ = try AgentEnrollTokenSource.resolve(
                flag: nil, file: "/etc/blank", environment: environment, readFile: read)
        }
    }
}

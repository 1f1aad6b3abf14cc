import ArgumentParser
import ControlPlane
import FluentKit
import Foundation

/// Opens the same records the server uses, for one admin command, then closes them.
enum AdminContext {
    static func run<T: Sendable>(
        _ storage: StorageOptions,
        _ body: @Sendable (any Database, ControlPlaneContext) async throws -> T
    ) async throws -> T {
        bootstrapLogging(.warning)
        let configuration = ServerConfiguration(
            dataDirectory: storage.resolvedDataDir, database: storage.resolvedDatabase)
        do {
            return try await ControlPlaneApplication.withDatabase(configuration, body)
        } catch let error as APIError {
            throw CommandFailure(error.message)
        }
    }

    /// Reads a password from standard input: the whole input, without one trailing newline.
    static func readPasswordFromStdin() throws -> String {
        var data = FileHandle.standardInput.readDataToEndOfFile()
        if data.last == UInt8(ascii: "\n") { data.removeLast() }
        if data.last == UInt8(ascii: "\r") { data.removeLast() }
        guard let password = String(data: data, encoding: .utf8), !password.isEmpty else {
            throw CommandFailure("the password on standard input is empty / 標準入力のパスワードが空です")
        }
        return password
    }
}

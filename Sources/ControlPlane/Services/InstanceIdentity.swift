import Foundation

/// Which server instance this is, among several sharing one database: `--instance-id`, or
/// an id made at first start and kept in the data directory (each instance has its own).
enum InstanceIdentity {
    static let fileName = "instance-id"

    /// The configured id, else the data directory's, made (8 hex digits) when missing.
    static func resolve(_ configuration: ServerConfiguration) throws -> String {
        if let configured = configuration.instanceID { return configured }
        let path = URL(fileURLWithPath: configuration.dataDirectory)
            .appendingPathComponent(fileName).path
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard ServerConfiguration.isValidInstanceID(id) else {
                throw ServerConfiguration.Invalid(
                    description: "\(path) does not hold an instance id; remove it to make a new one"
                )
            }
            return id
        }
        try FileManager.default.createDirectory(
            atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        let id = String(format: "%08x", UInt32.random(in: 0...UInt32.max))
        guard FileManager.default.createFile(atPath: path, contents: Data((id + "\n").utf8)) else {
            throw ServerConfiguration.Invalid(
                description: "cannot write the instance id to \(path)")
        }
        return id
    }
}

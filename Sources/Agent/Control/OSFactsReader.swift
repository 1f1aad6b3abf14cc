import Foundation
import TsunaguCore

/// Reads the facts operators see about the machine: OS name and version, host name.
enum OSFactsReader {
    static func current() -> ControlMessage.OSFacts {
        var name = "Linux"
        var version = ""
        if let text = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8) {
            let fields = Dictionary(
                text.split(separator: "\n").compactMap { line -> (String, String)? in
                    let parts = line.split(separator: "=", maxSplits: 1)
                    guard parts.count == 2 else { return nil }
                    return (String(parts[0]), parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
                }, uniquingKeysWith: { first, _ in first })
            name = fields["NAME"] ?? name
            version = fields["VERSION_ID"] ?? fields["VERSION"] ?? ""
        }
        return .init(name: name, version: version, hostname: ProcessInfo.processInfo.hostName)
    }
}

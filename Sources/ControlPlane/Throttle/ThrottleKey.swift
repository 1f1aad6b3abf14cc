import Foundation

/// What failed attempts are counted against. One table holds them all (`AttemptThrottle`);
/// the case says whose attempts they are, and the row key keeps the kinds apart.
public enum ThrottleKey: Hashable, Sendable {
    /// Logins to one operator account: company ID and login, both normalised.
    case account(company: String, login: String)
    /// Logins from one client address, whatever account they try.
    case address(String)
    /// Logins to one account from one address: what a locked address is still judged by.
    case accountFromAddress(company: String, login: String, address: String)
    /// One operator's connection-password attempts on one device.
    case deviceByOperator(device: UUID, operator: UUID)
    /// Every operator's connection-password attempts on one device together.
    case device(UUID)

    /// The row key: a kind prefix, then the parts (at most 200 characters, the column's size).
    var rowKey: String {
        let text =
            switch self {
            case .account(let company, let login): "acct|\(company)|\(login)"
            case .address(let address): "addr|\(address)"
            case .accountFromAddress(let company, let login, let address):
                "pair|\(company)|\(login)|\(address)"
            case .deviceByOperator(let device, let op):
                "devop|\(device.uuidString)|\(op.uuidString)"
            case .device(let device): "dev|\(device.uuidString)"
            }
        return String(text.prefix(200))
    }
}

import Testing

@testable import RFB

/// DES and VNC Authentication against vectors computed independently: the FIPS 81 example
/// and vncdotool's `des_encrypt(_vnc_des(password), challenge)` (cryptography's TripleDES).
struct DESTests {
    private func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = s.startIndex
        while index < s.endIndex {
            let next = s.index(index, offsetBy: 2)
            out.append(UInt8(s[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    @Test func fipsVector() {
        let des = DES(key: hex("133457799BBCDFF1"))
        #expect(des.encrypt(block: hex("0123456789ABCDEF")[...]) == hex("85E813540F0AB405"))
    }

    @Test func vncKeyReversesBits() {
        #expect(VNCAuthentication.key(for: "password") == hex("0e86ceceeef64e26"))
        #expect(VNCAuthentication.key(for: "") == [UInt8](repeating: 0, count: 8))
    }

    @Test func vncResponseMatchesVncdotool() {
        let challenge = Array(UInt8(0)..<16)
        #expect(
            VNCAuthentication.response(challenge: challenge, password: "password")
                == hex("b866924125c8eebb9debc1db61c538e2"))
        #expect(
            VNCAuthentication.response(challenge: challenge, password: "")
                == hex("491e890de9ace932838a49792f2213f3"))
        // Only the first 8 bytes of the password count.
        #expect(
            VNCAuthentication.response(
                challenge: hex("0123456789abcdeffedcba9876543210"), password: "secret12345")
                == hex("eb0e1edacbc03343f6fc62449e83f214"))
    }

    @Test func verifyRejectsWrongPassword() {
        let challenge = Array(UInt8(0)..<16)
        let response = VNCAuthentication.response(challenge: challenge, password: "password")
        #expect(
            VNCAuthentication.verify(response: response, challenge: challenge, password: "password")
        )
        #expect(
            !VNCAuthentication.verify(
                response: response, challenge: challenge, password: "Password"))
        #expect(
            !VNCAuthentication.verify(response: [1, 2], challenge: challenge, password: "password"))
    }
}

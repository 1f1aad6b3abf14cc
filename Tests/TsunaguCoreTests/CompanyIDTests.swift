import Testing
import TsunaguCore

@Suite("Company IDs")
struct CompanyIDTests {
    @Test func normalisesAndValidates() {
        #expect(CompanyID("acme-01")?.rawValue == "ACME-01")
        #expect(CompanyID(" Acme ")?.rawValue == "ACME")
        for bad in ["", "a", "-ACME", "ACME-", "AC ME", "ACMÉ", String(repeating: "A", count: 33), "a/b"] {
            #expect(CompanyID(bad) == nil, "\(bad)")
        }
    }
}

import Foundation
import PrioritizerServer
import Testing

@Suite("Session ids as clients write them")
struct SessionIDTests {
    @Test func canonicalFormRoundTripsForAnyUUID() {
        for _ in 0..<1_000 {
            let uuid = UUID()
            let text = uuid.uuidString.lowercased()
            #expect(SessionID(text)?.uuid == uuid, "\(text)")
            #expect(SessionID(text)?.description == text)
        }
        #expect(SessionID("00000000-0000-0000-0000-000000000000")?.uuid == UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
        #expect(SessionID("ffffffff-ffff-ffff-ffff-ffffffffffff")?.uuid.uuidString == "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF")
    }

    @Test func anythingElseNamesNoSession() {
        let good = "0f8fad5b-d9cb-469f-a165-70867728950e"
        #expect(SessionID(good) != nil)
        for bad in [
            good.uppercased(), "{\(good)}", good.replacingOccurrences(of: "-", with: ""), String(good.dropLast()),
            good + "0", "0f8fad5bd-9cb-469f-a165-70867728950e", "0f8fad5b-d9cb-469f-a165-70867728950g",
            "0f8fad5b-d9cb-469f-a165-70867728950 ", "", "0f8fad5b-d9cb-469f-a165_70867728950e",
        ] {
            #expect(SessionID(bad) == nil, "\(bad)")
        }
    }
}

import Testing

@testable import Inlet

@Suite struct StoreTimeTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (Int64(1_789_398_127_318), "2026-09-14T15:02:07.318Z"),
        (Int64(-1), "1969-12-31T23:59:59.999Z"),
        (Int64(253_402_300_799_999), "9999-12-31T23:59:59.999Z"),
    ])
    func rendersISO8601WithMilliseconds(ms: Int64, text: String) {
        #expect(StoreTime.iso8601(ms) == text)
    }
}

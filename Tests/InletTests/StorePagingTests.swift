import Foundation
import Testing

@testable import Inlet

/// Cursor pagination over the insertion sequence.
@Suite struct StorePagingTests {
    typealias S = StoreTestSupport

    private static func identify(_ store: Store, _ ids: [String]) async throws {
        try await store.write { transaction in
            for id in ids {
                _ = try transaction.apply(
                    .identifyUser(id: id, properties: JSONObject()),
                    environment: S.environment,
                    sourceTimestampMs: 1,
                    nowMs: 1
                )
            }
        }
    }

    private static func ids(_ page: Page) -> [String] {
        page.entries.compactMap { $0["id"]?.stringValue }
    }

    @Test func pagingWhileInsertingNeitherSkipsNorRepeats() async throws {
        let store = try S.memoryStore()
        let original = (0..<120).map { String(format: "user-%03d", $0) }
        try await StorePagingTests.identify(store, original)

        var seen: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let request = PageRequest(pageSize: 50, after: cursor)
            let page = try store.read { try $0.users(environment: S.environment, page: request) }
            seen += StorePagingTests.ids(page)
            cursor = page.after
            pages += 1
            // New users arrive between pages.
            try await StorePagingTests.identify(store, (0..<7).map { "new-\(pages)-\($0)" })
            #expect(pages < 10)
        } while cursor != nil && pages < 10

        #expect(Set(seen).count == seen.count)
        #expect(Array(seen.prefix(120)) == original)
        #expect(seen.count == 120 + 7 * (pages - 1))
    }

    @Test func beforeWalksBackAndPageInfoIsShaped() async throws {
        let store = try S.memoryStore()
        try await StorePagingTests.identify(store, (0..<12).map { "u\($0)" })

        let first = try store.read { try $0.users(environment: S.environment, page: PageRequest(pageSize: 5)) }
        #expect(StorePagingTests.ids(first) == ["u0", "u1", "u2", "u3", "u4"])
        #expect(first.before == nil)
        let second = try store.read {
            try $0.users(environment: S.environment, page: PageRequest(pageSize: 5, after: first.after))
        }
        #expect(StorePagingTests.ids(second) == ["u5", "u6", "u7", "u8", "u9"])
        #expect(second.before != nil)
        let third = try store.read {
            try $0.users(environment: S.environment, page: PageRequest(pageSize: 5, after: second.after))
        }
        #expect(StorePagingTests.ids(third) == ["u10", "u11"])
        #expect(third.after == nil)

        let back = try store.read {
            try $0.users(environment: S.environment, page: PageRequest(pageSize: 5, before: third.before))
        }
        #expect(StorePagingTests.ids(back) == ["u5", "u6", "u7", "u8", "u9"])
        #expect(back.after != nil)
        #expect(back.before != nil)

        let json = first.json
        #expect(json["page_info"]?["__typename"] == "PageInfo")
        #expect(json["page_info"]?["page_size"] == 5)
        #expect(json["page_info"]?["before"] == .null)
        #expect(json["entries"]?.arrayValue?.count == 5)
    }

    @Test func newestFirstListsPageBackwardsInTime() async throws {
        let store = try S.memoryStore()
        for index in 0..<7 {
            _ = try await store.ingest(S.event(id: "e\(index)", type: "t\(index)", actions: []))
        }
        let first = try store.read {
            try $0.eventLogs(
                environment: S.environment,
                sourceKey: "workos",
                event: nil,
                status: nil,
                includeActions: false,
                page: PageRequest(pageSize: 3)
            )
        }
        #expect(first.entries.map { $0["event"] } == ["t6", "t5", "t4"])
        let next = try store.read {
            try $0.eventLogs(
                environment: S.environment,
                sourceKey: "workos",
                event: nil,
                status: nil,
                includeActions: false,
                page: PageRequest(pageSize: 3, after: first.after)
            )
        }
        #expect(next.entries.map { $0["event"] } == ["t3", "t2", "t1"])
        let back = try store.read {
            try $0.eventLogs(
                environment: S.environment,
                sourceKey: "workos",
                event: nil,
                status: nil,
                includeActions: false,
                page: PageRequest(pageSize: 3, before: next.before)
            )
        }
        #expect(back.entries.map { $0["event"] } == ["t6", "t5", "t4"])
        #expect(back.before == nil)
    }

    @Test func badPageRequestsAreInvalidArguments() throws {
        let store = try S.memoryStore()
        for request in [
            PageRequest(pageSize: 0), PageRequest(pageSize: 51), PageRequest(after: "not a cursor"),
            PageRequest(before: "%%%"), PageRequest(after: PageRequest.encode(-5)),
        ] {
            #expect(throws: StoreError.self) {
                try store.read { try $0.users(environment: S.environment, page: request) }
            }
            do {
                _ = try request.validated()
                Issue.record("\(request) should be invalid")
            } catch {
                #expect(error.kind == .invalidArgument)
            }
        }
        #expect(try PageRequest.decode(PageRequest.encode(42), name: "after") == 42)
    }
}

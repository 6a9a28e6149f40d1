import Foundation
import Synchronization
import Testing

@testable import Inlet

/// The writer's batches: optimistic jobs (webhook ingests) run without their own savepoint and fall
/// back to a savepoint per job when one throws; source statistics are written once per batch.
@Suite struct StoreBatchTests {
    typealias S = StoreTestSupport

    /// Holds the writer in one job (alone in its batch) until `release` is signalled, so the jobs
    /// submitted meanwhile are committed together in the next batch.
    private static func holdWriter(_ store: Store) -> DispatchSemaphore {
        let started = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        store.write(
            { _ in
                started.signal()
                release.wait()
            },
            completion: { _ in }
        )
        started.wait()
        return release
    }

    @Test func aThrowingOptimisticJobFailsAloneAndLeavesNothing() async throws {
        let store = try S.memoryStore()
        let batches = Mutex<[Int]>([])
        store.onCommit = { size, _ in batches.withLock { $0.append(size) } }
        let runs = Mutex<[Int: Int]>([:])
        let release = StoreBatchTests.holdWriter(store)

        let results = Mutex<[Int: Result<Void, StoreError>]>([:])
        let done = DispatchGroup()
        for index in 0..<20 {
            done.enter()
            store.write(
                optimistic: true,
                { transaction in
                    runs.withLock { $0[index, default: 0] += 1 }
                    _ = try transaction.apply(
                        .identifyUser(id: "u\(index)", properties: JSONObject()),
                        environment: S.environment,
                        sourceTimestampMs: 1,
                        nowMs: 1
                    )
                    transaction.countEvent(environment: S.environment, sourceKey: "workos", receivedAtMs: 10)
                    if index == 7 {
                        throw StoreError(.other, "boom")
                    }
                },
                completion: { result in
                    results.withLock { $0[index] = result }
                    done.leave()
                }
            )
        }
        release.signal()
        await withCheckedContinuation { continuation in
            done.notify(queue: .global()) { continuation.resume() }
        }

        let outcome = results.withLock { $0 }
        for index in 0..<20 {
            switch outcome[index] {
            case .success:
                #expect(index != 7)
            case .failure(let error):
                #expect(index == 7)
                #expect(error.message == "boom")
            case nil:
                Issue.record("job \(index) never completed")
            }
        }
        let users = try store.read { try $0.users(environment: S.environment, page: PageRequest()) }
        #expect(
            Set(users.entries.compactMap { $0["id"]?.stringValue })
                == Set((0..<20).filter { $0 != 7 }.map { "u\($0)" })
        )
        let stats = try store.read { try $0.sourceStats(environment: S.environment, sourceKey: "workos") }
        #expect(stats.eventsReceived == 19)
        // The 20 jobs went in one batch, which ran twice: optimistically up to the thrower, then
        // each job in its own savepoint.
        #expect(batches.withLock { $0 } == [1, 20])
        let counts = runs.withLock { $0 }
        #expect((0...7).allSatisfy { counts[$0] == 2 })
        #expect((8..<20).allSatisfy { counts[$0] == 1 })
    }

    @Test func aBatchWithAnOrdinaryJobRunsEveryJobOnceInItsSavepoint() async throws {
        let store = try S.memoryStore()
        let batches = Mutex<[Int]>([])
        store.onCommit = { size, _ in batches.withLock { $0.append(size) } }
        let ordinaryRuns = Atomic<Int>(0)
        let release = StoreBatchTests.holdWriter(store)
        let done = DispatchGroup()
        let failed = Mutex<[Int]>([])
        for index in 0..<6 {
            done.enter()
            let body: @Sendable (StoreTransaction) throws -> Void = { transaction in
                if index == 2 {
                    ordinaryRuns.add(1, ordering: .relaxed)
                }
                _ = try transaction.apply(
                    .identifyUser(id: "u\(index)", properties: JSONObject()),
                    environment: S.environment,
                    sourceTimestampMs: 1,
                    nowMs: 1
                )
                if index == 4 {
                    throw StoreError(.other, "boom")
                }
            }
            store.write(optimistic: index != 2, body) { result in
                if case .failure = result {
                    failed.withLock { $0.append(index) }
                }
                done.leave()
            }
        }
        release.signal()
        await withCheckedContinuation { continuation in
            done.notify(queue: .global()) { continuation.resume() }
        }
        #expect(ordinaryRuns.load(ordering: .relaxed) == 1)
        #expect(failed.withLock { $0 } == [4])
        #expect(batches.withLock { $0 } == [1, 6])
        let users = try store.read { try $0.users(environment: S.environment, page: PageRequest()) }
        #expect(Set(users.entries.compactMap { $0["id"]?.stringValue }) == ["u0", "u1", "u2", "u3", "u5"])
    }

    @Test func ingestCompletionsRunOnTheGivenQueue() async throws {
        let store = try S.memoryStore()
        let key = DispatchSpecificKey<Int>()
        let queues = (0..<2).map { index in
            let queue = DispatchQueue(label: "test.callback\(index)")
            queue.setSpecific(key: key, value: index)
            return queue
        }
        let seen = Mutex<[Int: Int?]>([:])
        let done = DispatchGroup()
        for index in 0..<10 {
            done.enter()
            let event = S.event(id: "evt_\(index)", actions: [])
            let queue: DispatchQueue? = index < 8 ? queues[index % 2] : nil
            store.ingest(event, callbackQueue: queue) { _ in
                seen.withLock { $0[index] = DispatchQueue.getSpecific(key: key) }
                done.leave()
            }
        }
        await withCheckedContinuation { continuation in
            done.notify(queue: .global()) { continuation.resume() }
        }
        let observed = seen.withLock { $0 }
        for index in 0..<10 {
            let expected: Int? = index < 8 ? index % 2 : nil
            #expect(observed[index] == .some(expected), "event \(index)")
        }
        #expect(store.eventLogCount == 10)
    }

    @Test func sourceStatsCountEveryEventOfEverySourceAcrossBatches() async throws {
        let store = try S.memoryStore()
        let release = StoreBatchTests.holdWriter(store)
        let done = DispatchGroup()
        let failures = Atomic<Int>(0)
        // 3 sources over 2 environments, duplicates included; received times not in order.
        for index in 0..<60 {
            var event = S.event(
                id: "evt_\(index % 50)",
                actions: [S.planned(.identifyUser(id: "u\(index)", properties: JSONObject()))],
                receivedAtMs: 1_000 + Int64((index * 37) % 60)
            )
            event.sourceKey = ["workos", "other"][index % 2]
            event.environment = index % 3 == 0 ? "production" : S.environment
            done.enter()
            store.ingest(event) { result in
                if case .failure = result {
                    failures.add(1, ordering: .relaxed)
                }
                done.leave()
            }
            if index == 30 {
                release.signal()
            }
        }
        await withCheckedContinuation { continuation in
            done.notify(queue: .global()) { continuation.resume() }
        }
        #expect(failures.load(ordering: .relaxed) == 0)

        var expected: [String: (count: Int64, last: Int64)] = [:]
        for index in 0..<60 {
            let key = "\(index % 3 == 0 ? "production" : S.environment)/\(["workos", "other"][index % 2])"
            let at = 1_000 + Int64((index * 37) % 60)
            expected[key] = ((expected[key]?.count ?? 0) + 1, max(expected[key]?.last ?? 0, at))
        }
        for (key, value) in expected {
            let parts = key.split(separator: "/").map(String.init)
            let stats = try store.read { try $0.sourceStats(environment: parts[0], sourceKey: parts[1]) }
            #expect(stats.eventsReceived == value.count, "\(key)")
            #expect(stats.lastEventAtMs == value.last, "\(key)")
        }
        #expect(store.eventLogCount == 60)
    }

    @Test func statsCountedInARolledBackSavepointAreForgotten() async throws {
        let store = try S.memoryStore()
        try await store.write { transaction in
            transaction.countEvent(environment: S.environment, sourceKey: "workos", receivedAtMs: 5)
            _ = try? transaction.withSavepoint { () throws(StoreError) -> Void in
                transaction.countEvent(environment: S.environment, sourceKey: "workos", receivedAtMs: 9)
                throw StoreError(.other, "undo")
            }
            _ = try transaction.withSavepoint(
                { () throws(StoreError) -> Bool in
                    transaction.countEvent(environment: S.environment, sourceKey: "workos", receivedAtMs: 8)
                    return false
                },
                keep: { $0 }
            )
        }
        let stats = try store.read { try $0.sourceStats(environment: S.environment, sourceKey: "workos") }
        #expect(stats.eventsReceived == 1)
        #expect(stats.lastEventAtMs == 5)
    }
}

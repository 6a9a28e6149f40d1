import Foundation
import Synchronization
import Testing

@testable import Inlet

/// A cost probe of the webhook ingest path without HTTP, run only when `INLET_INGEST_PROBE` is set
/// (a count of events): the request-thread work (verify, parse, map, prepare) per event on one
/// thread, then the store writer's throughput with 32 events in flight (as 32 connections). It
/// prints numbers and asserts only correctness (timings are never asserted).
@Suite struct IngestPathProbeTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["INLET_INGEST_PROBE"] != nil))
    func ingestPathCost() throws {
        let total = Int(ProcessInfo.processInfo.environment["INLET_INGEST_PROBE"] ?? "") ?? 20_000
        let secret = "whsec_probe_0123456789abcdef"
        let config = try ConfigLoader.load(
            bytes: try FixtureFiles.bytes("inlet.json"),
            environment: [
                "INLET_API_KEY": "probe-key", "INLET_WEBHOOK_TOKEN": "tok", "WORKOS_WEBHOOK_SECRET": secret,
            ]
        )
        var sourceConfig = try #require(config.sources.first)
        sourceConfig.toleranceSeconds = 86_400
        let now: @Sendable () -> Int64 = { StoreTime.nowMs() }
        let source = SourceRuntime(
            config: sourceConfig,
            workflowKeys: config.workflowKeys,
            now: now
        )

        // Distinct signed requests modelled on the fixture, as the bench corpus.
        guard case .object(let fixture) = try FixtureFiles.json("workos/dsync.user.created.json") else {
            Issue.record("fixture is not an object")
            return
        }
        var requests: [HTTPRequest] = []
        requests.reserveCapacity(total)
        let signedAt = now()
        for index in 0..<total {
            var body = fixture
            body["id"] = .string("event_probe_\(index)")
            if case .object(var data)? = body["data"] {
                data["id"] = .string("directory_user_probe_\(index)")
                body["data"] = .object(data)
            }
            let bytes = JSON.object(body).serializedBytes()
            var request = HTTPRequest(method: "POST", target: "/webhooks/workos/tok", path: "/webhooks/workos/tok")
            request.headers.add(name: "Host", value: "127.0.0.1")
            request.headers.add(name: "User-Agent", value: "WorkOS-Probe/1")
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Content-Length", value: String(bytes.count))
            request.headers.add(
                name: "WorkOS-Signature",
                value: WorkOSSignature.header(secret: secret, timestampMs: signedAt, body: bytes)
            )
            request.body = bytes
            requests.append(request)
        }

        // Request-thread work, one thread.
        var events: [IngestEvent] = []
        events.reserveCapacity(total)
        let requestStart = DispatchTime.now().uptimeNanoseconds
        for request in requests {
            guard
                case .success = source.verifier.verify(
                    headerValues: request.headers.values(for: "WorkOS-Signature"),
                    body: request.body
                )
            else {
                Issue.record("signature rejected")
                return
            }
            let body = try JSONParser().parse(request.body)
            events.append(
                WebhookHandler.ingestEvent(
                    source: source,
                    body: body,
                    rawBody: request.body,
                    envelope: MappingEnvelope(body: body, headers: request.headers),
                    verification: "enforced:verified",
                    receivedAt: now()
                )
            )
        }
        let requestNs = DispatchTime.now().uptimeNanoseconds - requestStart

        // The writer, 32 in flight.
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("inlet-probe-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store.open(path: directory + "/probe.sqlite", logger: Logger(level: .critical, sink: .memory()))
        defer { store.close() }
        let batches = Mutex<(count: Int, jobs: Int, seconds: Double)>((0, 0, 0))
        store.onCommit = { size, seconds in
            batches.withLock { $0 = ($0.count + 1, $0.jobs + size, $0.seconds + seconds) }
        }
        let slots = DispatchSemaphore(value: 32)
        let done = DispatchGroup()
        let failures = Atomic<Int>(0)
        let cpuStart = IngestPathProbeTests.cpuSeconds()
        let start = DispatchTime.now().uptimeNanoseconds
        for event in events {
            slots.wait()
            done.enter()
            store.ingest(event) { result in
                if case .success(.processed) = result {
                } else {
                    failures.add(1, ordering: .relaxed)
                }
                slots.signal()
                done.leave()
            }
        }
        done.wait()
        let writeNs = DispatchTime.now().uptimeNanoseconds - start
        let cpu = IngestPathProbeTests.cpuSeconds() - cpuStart
        let stats = batches.withLock { $0 }
        var size = 0
        for suffix in ["", "-wal"] {
            let attributes = try? FileManager.default.attributesOfItem(atPath: directory + "/probe.sqlite" + suffix)
            size += (attributes?[.size] as? Int) ?? 0
        }
        print(
            """
            ingest probe: \(total) events; request work \(requestNs / UInt64(total) / 1000) us/event \
            (one thread); writer \(Int(Double(total) / (Double(writeNs) / 1e9))) events/s = \
            \(writeNs / UInt64(total) / 1000) us/event wall, \
            \(String(format: "%.1f", cpu * 1e6 / Double(total))) us/event CPU; \(stats.count) commits, \
            mean batch \(stats.jobs / max(1, stats.count)), mean BEGIN..COMMIT \
            \(String(format: "%.2f", stats.seconds / Double(max(1, stats.count)) * 1000)) ms; \
            db+wal \(size / total) bytes/event
            """
        )
        #expect(failures.load(ordering: .relaxed) == 0)
        #expect(store.eventLogCount == total)
    }

    /// The process's user + system CPU seconds so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
    }
}

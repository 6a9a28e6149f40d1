import Foundation
import Synchronization

@testable import Inlet

/// Signed webhook load: distinct `dsync.user.created` events (each with its own event id, user id
/// and email) posted from a few threads, each thread stopping at its count, at the deadline, or at
/// its first request that got no answer (the server went away).
enum WebhookLoad {
    /// One delivery and what came of it.
    struct Delivery: Sendable {
        /// The event id (the idempotency key).
        var eventID: String
        /// The user the event creates.
        var userID: String
        /// The email it gives the user.
        var email: String
        /// What the server answered.
        var outcome: Outcome
    }

    /// The answer to a delivery.
    enum Outcome: Sendable, Equatable {
        /// `200` with `"status": "processed"` (the event is acknowledged).
        case processed
        /// Any other answer: the status and the body.
        case answered(Int, String)
        /// No answer: the connection failed (refused, reset or closed) before a response.
        case noAnswer(String)
        /// `200 processed`, but reading the user back through the API did not give the user.
        case readBackFailed(String)
    }

    /// Tells running load to stop after the requests in progress.
    final class StopFlag: Sendable {
        private let stopped = Atomic<Bool>(false)

        /// A flag not yet raised.
        init() {}

        /// Raises the flag.
        func stop() {
            self.stopped.store(true, ordering: .relaxed)
        }

        /// Whether the flag is raised.
        var isStopped: Bool {
            self.stopped.load(ordering: .relaxed)
        }
    }

    /// Deliveries gathered from the worker threads.
    private final class Collected: Sendable {
        let items = Mutex<[Delivery]>([])
    }

    /// The fixture the events are derived from, parsed once.
    static func template() throws -> JSONObject {
        guard let object = try JSONParser().parse(TestServer.fixture("dsync.user.created.json")).objectValue else {
            throw TestClientError(description: "dsync.user.created.json is not an object")
        }
        return object
    }

    /// A distinct event: ids and email derived from `tag`; with `padding`, `data.padding` is a
    /// string of that many characters (large events make single commits of many log frames).
    static func event(
        _ template: JSONObject,
        tag: String,
        padding: Int = 0
    ) -> (bytes: [UInt8], eventID: String, userID: String, email: String) {
        var body = template
        let eventID = "event_\(tag)"
        let userID = "directory_user_\(tag)"
        let email = "\(tag.lowercased())@example.com"
        body["id"] = .string(eventID)
        if var data = body["data"]?.objectValue {
            data["id"] = .string(userID)
            data["email"] = .string(email)
            if padding > 0 {
                let unit = Array("\(tag)-0123456789abcdefghijklmnopqrstuvwxyz-".utf8)
                let bytes = (0..<padding).map { unit[$0 % unit.count] }
                data["padding"] = .string(String(decoding: bytes, as: UTF8.self))
            }
            body["data"] = .object(data)
        }
        return (JSON.object(body).serializedBytes(), eventID, userID, email)
    }

    /// Posts up to `perThread` events from each of `threads` threads to the `workos` source of the
    /// server on `port`, for at most `seconds`; with `readBack`, each acknowledged user is read back
    /// through the API at once; `stop` ends the load early; with `padding`, each event carries a
    /// `data.padding` of a size in that range. Returns every delivery tried.
    static func run(
        port: Int,
        prefix: String,
        threads: Int,
        perThread: Int,
        seconds: Double,
        readBack: Bool = false,
        padding: ClosedRange<Int>? = nil,
        stop: StopFlag = StopFlag()
    ) async throws -> [Delivery] {
        let template = try WebhookLoad.template()
        return try await OffThread.run {
            let deadline = Date().addingTimeInterval(seconds)
            let results = Collected()
            let group = DispatchGroup()
            for thread in 0..<threads {
                group.enter()
                let worker = Thread {
                    defer { group.leave() }
                    var mine: [Delivery] = []
                    for index in 0..<perThread where Date() < deadline && !stop.isStopped {
                        let event = WebhookLoad.event(
                            template,
                            tag: "\(prefix)_\(thread)_\(index)",
                            padding: padding.map { Int.random(in: $0) } ?? 0
                        )
                        var delivery = Delivery(
                            eventID: event.eventID,
                            userID: event.userID,
                            email: event.email,
                            outcome: .noAnswer("not sent")
                        )
                        delivery.outcome = WebhookLoad.post(event.bytes, port: port)
                        if delivery.outcome == .processed, readBack {
                            delivery.outcome = WebhookLoad.readBack(delivery, port: port)
                        }
                        mine.append(delivery)
                        if case .noAnswer = delivery.outcome {
                            break
                        }
                    }
                    results.items.withLock { $0 += mine }
                }
                worker.start()
            }
            group.wait()
            return results.items.withLock { $0 }
        }
    }

    /// Posts one signed event and classifies the answer.
    static func post(_ bytes: [UInt8], port: Int) -> Outcome {
        let header = WorkOSSignature.header(
            secret: TestServer.secret,
            timestampMs: InletServer.systemClock(),
            body: bytes
        )
        do {
            let response = try TestHTTPClient.request(
                port: port,
                "POST",
                "/webhooks/workos/\(TestServer.token)",
                headers: [("Content-Type", "application/json"), ("WorkOS-Signature", header)],
                body: bytes
            )
            if response.status == 200, response.json?["status"] == "processed" {
                return .processed
            }
            return .answered(response.status, response.text)
        } catch {
            return .noAnswer(String(describing: error))
        }
    }

    private static func readBack(_ delivery: Delivery, port: Int) -> Outcome {
        do {
            let response = try TestHTTPClient.request(
                port: port,
                "GET",
                "/v1/users/\(delivery.userID)",
                headers: [("Authorization", "Bearer \(TestServer.apiKey)")]
            )
            guard response.status == 200, response.json?["email"] == .string(delivery.email) else {
                return .readBackFailed("\(response.status) \(response.text)")
            }
            return .processed
        } catch {
            return .readBackFailed(String(describing: error))
        }
    }
}

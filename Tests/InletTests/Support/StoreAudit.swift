import Foundation

@testable import Inlet

/// What a live server's store holds for the `workos` source, read through the REST API page by page
/// (`page_size=50`): every user, every event log with its action logs, and the source's counter.
struct StoreAudit {
    /// One event log as the API lists it.
    struct Log {
        /// The log's status: processed, duplicate or error.
        var status: String
        /// The event's `data.id` (the user it creates).
        var userID: String?
        /// The event's `data.email`.
        var email: String?
        /// `type:status` of each action log, in order.
        var actions: [String]
    }

    /// Users by id, with their email.
    var users: [String: String] = [:]

    /// Event logs by idempotency key (the event id).
    var logs: [String: Log] = [:]

    /// Event logs seen (a key seen twice counts twice).
    var logCount = 0

    /// `events_received` of the `workos` source.
    var eventsReceived: Int64 = -1

    /// Reads everything from the server on `port`.
    static func read(port: Int) throws -> StoreAudit {
        var audit = StoreAudit()
        for entry in try StoreAudit.pages(port: port, path: "/v1/users") {
            guard let id = entry["id"]?.stringValue else { continue }
            audit.users[id] = entry["email"]?.stringValue ?? ""
        }
        for entry in try StoreAudit.pages(port: port, path: "/v1/sources/workos/logs", query: "include=actions") {
            audit.logCount += 1
            guard let key = entry["idempotency_key"]?.stringValue else { continue }
            let actions = (entry["actions"]?.arrayValue ?? []).map {
                "\($0["action_type"]?.stringValue ?? "?"):\($0["action_status"]?.stringValue ?? "?")"
            }
            audit.logs[key] = Log(
                status: entry["status"]?.stringValue ?? "",
                userID: entry["data"]?["data"]?["id"]?.stringValue,
                email: entry["data"]?["data"]?["email"]?.stringValue,
                actions: actions
            )
        }
        let sources = try StoreAudit.get(port: port, "/v1/sources")
        let workos = sources.json?["entries"]?.arrayValue?.first { $0["key"] == "workos" }
        audit.eventsReceived = workos?["events_received"]?.numberValue?.int64Value ?? -1
        return audit
    }

    /// Every way the store disagrees with `acknowledged` (deliveries answered `200 processed`) or
    /// with itself (a user without its event log, a log without its user, an action not `ok`,
    /// counts that differ); empty when all is well.
    func problems(acknowledged: [WebhookLoad.Delivery]) -> [String] {
        var problems: [String] = []
        for delivery in acknowledged {
            guard let log = self.logs[delivery.eventID] else {
                problems.append("acknowledged \(delivery.eventID) has no event log")
                continue
            }
            if log.status != "processed" {
                problems.append("acknowledged \(delivery.eventID) is \(log.status)")
            }
            if self.users[delivery.userID] != delivery.email {
                problems.append(
                    "acknowledged \(delivery.eventID): user \(delivery.userID) is "
                        + String(describing: self.users[delivery.userID])
                )
            }
        }

        var loggedUsers = Set<String>()
        for (key, log) in self.logs {
            if log.status != "processed" || log.actions != ["users_identify:ok"] {
                problems.append("event log \(key): status \(log.status), actions \(log.actions)")
            }
            guard let userID = log.userID else {
                problems.append("event log \(key) has no data.id")
                continue
            }
            loggedUsers.insert(userID)
            if self.users[userID] != log.email {
                problems.append(
                    "event log \(key) is processed but user \(userID) is \(String(describing: self.users[userID]))"
                )
            }
        }
        for user in self.users.keys where !loggedUsers.contains(user) {
            problems.append("user \(user) exists without an event log")
        }
        if self.logCount != self.logs.count {
            problems.append("\(self.logCount) event logs for \(self.logs.count) distinct events")
        }
        if self.eventsReceived != Int64(self.logCount) {
            problems.append("events_received is \(self.eventsReceived) for \(self.logCount) event logs")
        }
        return problems
    }

    /// Every entry of the list at `path`, `pageSize` at a time, following `page_info.after`.
    static func pages(port: Int, path: String, query: String = "", pageSize: Int = 50) throws -> [JSON] {
        var entries: [JSON] = []
        var after: String?
        for _ in 0..<100_000 {
            var target = "\(path)?page_size=\(pageSize)"
            if !query.isEmpty {
                target += "&\(query)"
            }
            if let after {
                target += "&after=\(after)"
            }
            let response = try StoreAudit.get(port: port, target)
            guard response.status == 200, let json = response.json else {
                throw TestClientError(description: "GET \(target): \(response.status) \(response.text)")
            }
            entries += json["entries"]?.arrayValue ?? []
            guard let next = json["page_info"]?["after"]?.stringValue else {
                return entries
            }
            after = next
        }
        throw TestClientError(description: "GET \(path): too many pages")
    }

    /// `GET path` with the test API key.
    static func get(port: Int, _ path: String) throws -> TestResponse {
        try TestHTTPClient.request(port: port, "GET", path, headers: [("Authorization", "Bearer \(TestServer.apiKey)")])
    }
}

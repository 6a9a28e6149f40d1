import Foundation
import Testing

@testable import Inlet

/// A real Inlet server on 127.0.0.1 port 0 with a temporary file store, for live tests.
///
/// Runs the shipped default config (Fixtures/inlet.json) with test values for its variables.
final class TestServer {
    static let secret = "whsec_test_0123456789abcdef"
    static let apiKey = "sk_test_inlet_key"
    static let token = "tok_test_path"

    /// The running server.
    let server: InletServer

    /// The temporary directory holding the config and the store.
    let directory: URL

    /// Captured log lines.
    let logs: LogSink

    /// The bound port.
    var port: Int { self.server.port }

    /// The webhook path of the `workos` source.
    var webhookPath: String { "/webhooks/workos/\(TestServer.token)" }

    /// Starts a server; `configure` may edit the config JSON text before it is written.
    init(configure: (String) -> String = { $0 }, extraEnvironment: [String: String] = [:]) throws {
        let fixture = try #require(Bundle.module.url(forResource: "Fixtures/inlet.json", withExtension: nil))
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("inlet-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configText = configure(try String(contentsOf: fixture, encoding: .utf8))
        let configURL = directory.appendingPathComponent("inlet.json")
        try configText.write(to: configURL, atomically: true, encoding: .utf8)

        var environment = [
            "WORKOS_WEBHOOK_SECRET": TestServer.secret,
            "INLET_API_KEY": TestServer.apiKey,
            "INLET_WEBHOOK_TOKEN": TestServer.token,
        ]
        environment.merge(extraEnvironment) { $1 }
        let options = InletServer.Options(
            configPath: configURL.path,
            listen: "127.0.0.1:0",
            data: directory.appendingPathComponent("inlet.sqlite").path,
            environment: environment
        )
        let logs = LogSink.memory()
        do {
            self.server = try InletServer.start(options, sink: logs)
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        self.directory = directory
        self.logs = logs
    }

    /// Stops the server and removes its files.
    func stop() {
        self.server.shutdown()
        try? FileManager.default.removeItem(at: self.directory)
    }

    /// Posts `body` to the webhook path signed with the test secret at the current time.
    func postWebhook(_ body: [UInt8], signature: String? = nil) throws -> TestResponse {
        let header =
            signature
            ?? WorkOSSignature.header(secret: TestServer.secret, timestampMs: InletServer.systemClock(), body: body)
        return try TestHTTPClient.request(
            port: self.port,
            "POST",
            self.webhookPath,
            headers: [("Content-Type", "application/json"), ("WorkOS-Signature", header)],
            body: body
        )
    }

    /// Calls the REST API with the test key.
    func api(_ method: String, _ path: String, json: JSON? = nil) throws -> TestResponse {
        var headers = [("Authorization", "Bearer \(TestServer.apiKey)")]
        if json != nil {
            headers.append(("Content-Type", "application/json"))
        }
        return try TestHTTPClient.request(
            port: self.port,
            method,
            path,
            headers: headers,
            body: json?.serializedBytes() ?? []
        )
    }

    /// The exact bytes of a WorkOS fixture.
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/workos/\(name)", withExtension: nil))
        return Array(try Data(contentsOf: url))
    }

    /// Every WorkOS fixture as (name, bytes), ordered by the envelope's `created_at`.
    static func fixturesByCreation() throws -> [(name: String, bytes: [UInt8])] {
        let directory = try #require(Bundle.module.url(forResource: "Fixtures/workos", withExtension: nil))
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }
        var items: [(created: String, name: String, bytes: [UInt8])] = []
        for name in names {
            let bytes = Array(try Data(contentsOf: directory.appendingPathComponent(name)))
            let created = try JSONParser().parse(bytes)["created_at"]?.stringValue ?? ""
            items.append((created, name, bytes))
        }
        return items.sorted { $0.created < $1.created }.map { ($0.name, $0.bytes) }
    }
}

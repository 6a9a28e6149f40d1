/// The REST API's view of the live config: API keys, sources, workflows, rehearse and replay.
///
/// Every call reads the snapshot in force at that moment, so a reload is seen by the next request.
struct ServerBackend: APIBackend {
    /// The config in force.
    let runtime: RuntimeHolder

    /// The store replays are ingested into.
    let store: Store

    /// Looks the key up among every environment's keys in constant time.
    func environment(forAPIKey key: String) -> String? {
        self.runtime.current.config.environment(forAPIKey: key)?.name
    }

    /// The sources of `environment`, in file order.
    func sources(environment: String) -> [APISourceInfo] {
        self.runtime.current.config.sources
            .filter { $0.environment == environment }
            .map {
                APISourceInfo(key: $0.key, path: $0.path, environment: $0.environment, mappingCount: $0.mappings.count)
            }
    }

    /// Whether `key` names a configured workflow.
    func isWorkflowConfigured(_ key: String) -> Bool {
        self.runtime.current.config.workflowKeys.contains(key)
    }

    /// The mapping engine's verdict on `body`, or nil when `environment` has no such source.
    func rehearse(sourceKey: String, environment: String, body: JSON, headers: [String: String]) -> JSON? {
        guard let source = self.runtime.current.sourcesByKey[sourceKey], source.config.environment == environment else {
            return nil
        }
        return source.engine.rehearse(MappingEnvelope(body: body, headers: headers))
    }

    /// Runs the stored body through today's mappings as a new event log pointing to the original.
    func replay(
        sourceKey: String,
        environment: String,
        eventLog: EventLogRecord,
        completion: @escaping @Sendable (Result<JSON, StoreError>) -> Void
    ) {
        guard let source = self.runtime.current.sourcesByKey[sourceKey], source.config.environment == environment else {
            completion(.failure(.invalidArgument("source \"\(sourceKey)\" is no longer configured")))
            return
        }
        let body: JSON
        do {
            body = try JSONParser().parse(eventLog.rawBody)
        } catch {
            completion(.failure(.invalidArgument("the stored body is not valid JSON: \(error)")))
            return
        }
        let now = self.runtime.current.now()
        let event = WebhookHandler.ingestEvent(
            source: source,
            body: body,
            rawBody: eventLog.rawBody,
            envelope: MappingEnvelope(body: body, headers: eventLog.headers),
            verification: "replay",
            receivedAt: now,
            replayOf: eventLog.id
        )
        self.store.ingest(event) { result in
            completion(result.map(\.answerJSON))
        }
    }
}

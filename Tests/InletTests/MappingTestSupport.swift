import Foundation
import Testing

@testable import Inlet

/// Loads the test target's fixture files (copied into the bundle by `.copy("Fixtures")`).
enum FixtureFiles {
    /// The exact bytes of `Fixtures/<relativePath>`.
    static func bytes(_ relativePath: String) throws -> [UInt8] {
        let base = try #require(Bundle.module.resourceURL)
        let url = base.appendingPathComponent("Fixtures").appendingPathComponent(relativePath)
        return Array(try Data(contentsOf: url))
    }

    /// The parsed JSON of `Fixtures/<relativePath>`.
    static func json(_ relativePath: String) throws -> JSON {
        try JSONParser().parse(try FixtureFiles.bytes(relativePath))
    }

    /// The names of the WorkOS payload fixtures, sorted.
    static func workosNames() throws -> [String] {
        let base = try #require(Bundle.module.resourceURL)
        let folder = base.appendingPathComponent("Fixtures").appendingPathComponent("workos")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".json") }
            .sorted()
    }
}

/// Small configs for mapping and loader tests.
enum TestConfigs {
    /// A minimal valid config document around `mappings` (a JSON array text).
    static func document(
        mappings: String,
        workflows: [String] = ["wf", "other-wf"],
        sourceExtras: String = ""
    ) -> String {
        let workflowList = workflows.map { #"{"key": "\#($0)"}"# }.joined(separator: ", ")
        return """
            {
              "environments": {"test": {"api_keys": ["key-1"]}},
              "workflows": [\(workflowList)],
              "sources": [{"key": "s", "path": "/hook", "signing_secrets": ["secret"]\(sourceExtras),
                           "mappings": \(mappings)}]
            }
            """
    }

    /// Loads `document(mappings:)` and returns its source's engine.
    static func engine(mappings: String, workflows: [String] = ["wf", "other-wf"]) throws -> MappingEngine {
        let config = try ConfigLoader.load(
            bytes: Array(TestConfigs.document(mappings: mappings, workflows: workflows).utf8),
            environment: [:]
        )
        let source = try #require(config.sources.first)
        return config.mappingEngine(for: source)
    }

    /// The errors of loading `text`, or an empty list when it loads.
    static func errors(_ text: String, environment: [String: String] = [:]) -> [ConfigError] {
        do {
            _ = try ConfigLoader.load(bytes: Array(text.utf8), environment: environment)
            return []
        } catch {
            return error.errors
        }
    }

    /// An envelope from JSON text.
    static func envelope(_ body: String, headers: [String: String] = [:]) throws -> MappingEnvelope {
        MappingEnvelope(body: try JSONParser().parse(body), headers: headers)
    }
}

extension PlannedAction.Decision {
    /// The action when it runs.
    var action: StoreAction? {
        if case .run(let action) = self { return action }
        return nil
    }

    /// The reason when skipped.
    var skipReason: String? {
        if case .skipped(let reason) = self { return reason }
        return nil
    }

    /// The reason when it is an error.
    var errorReason: String? {
        if case .error(let reason) = self { return reason }
        return nil
    }
}

/// A JSON number from its exact text (a test typo gives -1, which no expectation uses).
func number(_ text: String) -> JSON {
    .number(JSONNumber(text) ?? JSONNumber(integer: -1))
}

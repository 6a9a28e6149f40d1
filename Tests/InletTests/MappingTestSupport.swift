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

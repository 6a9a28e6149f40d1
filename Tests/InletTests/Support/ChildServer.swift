import Foundation
import Glibc
import Testing

@testable import Inlet

/// The built `inlet` binary run as a child process (`inlet serve`) on 127.0.0.1, for the tests that
/// need signals, crashes or a second process. Signals only ever go to this child, by its pid.
///
/// A `Workspace` holds the config, the store and the log files and outlives children, so that a
/// test can kill a server and start the next one on the same store.
final class ChildServer {
    /// A temporary directory with a config (the shipped default with test values) and a data path.
    final class Workspace {
        /// The directory; removed by `remove()`.
        let directory: URL

        /// The config file the children read (rewritable between starts or before a `SIGHUP`).
        let configURL: URL

        /// The store file.
        var dataPath: String

        /// The variables the config reads, passed as the child's whole environment.
        let environment: [String: String]

        private var starts = 0

        /// Writes the fixture config, edited by `configure`, into a new temporary directory.
        init(configure: (String) -> String = { $0 }, extraEnvironment: [String: String] = [:]) throws {
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("inlet-child-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            self.directory = directory
            self.configURL = directory.appendingPathComponent("inlet.json")
            self.dataPath = directory.appendingPathComponent("inlet.sqlite").path
            var environment = [
                "WORKOS_WEBHOOK_SECRET": TestServer.secret,
                "INLET_API_KEY": TestServer.apiKey,
                "INLET_WEBHOOK_TOKEN": TestServer.token,
            ]
            environment.merge(extraEnvironment) { $1 }
            self.environment = environment
            try self.writeConfig(configure(try Workspace.fixtureConfig()))
        }

        /// The shipped default config's text (Fixtures/inlet.json).
        static func fixtureConfig() throws -> String {
            let fixture = try #require(Bundle.module.url(forResource: "Fixtures/inlet.json", withExtension: nil))
            return try String(contentsOf: fixture, encoding: .utf8)
        }

        /// Replaces the config file atomically (a reader never sees half a file).
        func writeConfig(_ text: String) throws {
            try text.write(to: self.configURL, atomically: true, encoding: .utf8)
        }

        /// A new pair of log file URLs for the next child.
        func nextLogFiles() -> (stdout: URL, stderr: URL) {
            self.starts += 1
            return (
                self.directory.appendingPathComponent("stdout-\(self.starts).log"),
                self.directory.appendingPathComponent("stderr-\(self.starts).log")
            )
        }

        /// Removes the directory and everything in it.
        func remove() {
            try? FileManager.default.removeItem(at: self.directory)
        }
    }

    /// How a child ended.
    enum Exit: Equatable, CustomStringConvertible {
        /// `exit(status)`.
        case exited(Int32)
        /// Killed by a signal.
        case signaled(Int32)

        var description: String {
            switch self {
            case .exited(let status): "exit status \(status)"
            case .signaled(let number): "killed by signal \(number)"
            }
        }
    }

    /// The child could not be started or did not print its banner.
    struct StartFailure: Error, CustomStringConvertible {
        /// What happened, with the child's stderr.
        var description: String
    }

    /// The child process.
    let process: Process

    /// The port the child printed in its banner.
    let port: Int

    /// Where the child's stderr (its log lines) goes.
    let stderrURL: URL

    /// Where the child's stdout (its banner) goes.
    let stdoutURL: URL

    private init(process: Process, port: Int, stdoutURL: URL, stderrURL: URL) {
        self.process = process
        self.port = port
        self.stdoutURL = stdoutURL
        self.stderrURL = stderrURL
    }

    deinit {
        self.kill()
    }

    /// The `inlet` executable built next to the test bundle (`swift build --build-tests` and
    /// `swift test` build it too); `INLET_BINARY` overrides.
    static func binaryURL() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["INLET_BINARY"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let candidates = [
            Bundle.module.bundleURL.deletingLastPathComponent(),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL,
        ]
        for directory in candidates {
            let url = directory.appendingPathComponent("inlet")
            if FileManager.default.isExecutableFile(atPath: url.path) {
                return url
            }
        }
        throw StartFailure(description: "no inlet executable next to the tests (looked in \(candidates.map(\.path)))")
    }

    /// Launches `inlet` with `arguments` in `workspace`'s environment, its output going to files.
    static func launch(_ arguments: [String], in workspace: Workspace) throws -> (Process, URL, URL) {
        let files = workspace.nextLogFiles()
        _ = FileManager.default.createFile(atPath: files.stdout.path, contents: nil)
        _ = FileManager.default.createFile(atPath: files.stderr.path, contents: nil)
        let process = Process()
        process.executableURL = try ChildServer.binaryURL()
        process.arguments = arguments
        process.environment = workspace.environment
        process.currentDirectoryURL = workspace.directory
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: files.stdout)
        process.standardError = try FileHandle(forWritingTo: files.stderr)
        try process.run()
        return (process, files.stdout, files.stderr)
    }

    /// The `serve` arguments for `workspace`.
    static func serveArguments(in workspace: Workspace, listen: String, logLevel: String?) -> [String] {
        var arguments = [
            "serve", "--config", workspace.configURL.path, "--listen", listen, "--data", workspace.dataPath,
        ]
        if let logLevel {
            arguments += ["--log-level", logLevel]
        }
        return arguments
    }

    /// Starts `inlet serve` in `workspace` and waits (at most `timeout` seconds) for its banner,
    /// looking for it every `pollMilliseconds`.
    ///
    /// - Throws: `StartFailure` with the child's stderr when it exits or prints no banner in time
    ///   (the child is then killed).
    static func start(
        in workspace: Workspace,
        listen: String = "127.0.0.1:0",
        logLevel: String? = nil,
        timeout: Double = 30,
        pollMilliseconds: Int = 10
    ) async throws -> ChildServer {
        let arguments = ChildServer.serveArguments(in: workspace, listen: listen, logLevel: logLevel)
        let (process, stdoutURL, stderrURL) = try ChildServer.launch(arguments, in: workspace)
        let prefix = "inlet listening on http://127.0.0.1:"
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n", omittingEmptySubsequences: false).first,
                text.contains("\n"), line.hasPrefix(prefix), let port = Int(line.dropFirst(prefix.count))
            {
                return ChildServer(process: process, port: port, stdoutURL: stdoutURL, stderrURL: stderrURL)
            }
            if !process.isRunning {
                break
            }
            try await Task.sleep(for: .milliseconds(pollMilliseconds))
        }
        if process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let stderr = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
        throw StartFailure(description: "inlet serve printed no banner; stderr:\n\(stderr)")
    }

    /// Runs `inlet serve` in `workspace` expecting it to stop by itself (a refused start); returns
    /// how it ended and its stderr. A child still running after `timeout` seconds is killed.
    static func runExpectingExit(
        in workspace: Workspace,
        listen: String = "127.0.0.1:0",
        timeout: Double = 30
    ) async throws -> (exit: Exit?, stdout: String, stderr: String) {
        let arguments = ChildServer.serveArguments(in: workspace, listen: listen, logLevel: nil)
        let (process, stdoutURL, stderrURL) = try ChildServer.launch(arguments, in: workspace)
        let exit = await ChildServer.waitForExit(process, timeout: timeout)
        if exit == nil {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let stdout = (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
        return (exit, stdout, stderr)
    }

    /// Sends signal `number` to this child (and only to it), if it is still running.
    func signal(_ number: Int32) {
        if self.process.isRunning {
            Glibc.kill(self.process.processIdentifier, number)
        }
    }

    /// Waits at most `timeout` seconds for the child to end; `nil` when it is still running.
    func waitForExit(timeout: Double) async -> Exit? {
        await ChildServer.waitForExit(self.process, timeout: timeout)
    }

    /// `SIGKILL` to the child, then waits for it to be reaped. Safe to call when it already ended.
    func kill() {
        if self.process.isRunning {
            Glibc.kill(self.process.processIdentifier, SIGKILL)
            self.process.waitUntilExit()
        }
    }

    /// Everything the child has written to stderr so far.
    var stderr: String {
        (try? String(contentsOf: self.stderrURL, encoding: .utf8)) ?? ""
    }

    /// Everything the child has written to stdout so far.
    var stdout: String {
        (try? String(contentsOf: self.stdoutURL, encoding: .utf8)) ?? ""
    }

    /// The stderr lines that contain `text`, read in one pass.
    func logLines(containing text: String) -> [String] {
        self.stderr.split(separator: "\n").filter { $0.contains(text) }.map(String.init)
    }

    /// Waits at most `timeout` seconds until `count` stderr lines contain `text`; returns the lines
    /// found (fewer than `count` on timeout). Reads only what was appended since the last poll.
    func waitForLog(containing text: String, count: Int = 1, timeout: Double = 10) async throws -> [String] {
        let handle = try FileHandle(forReadingFrom: self.stderrURL)
        defer { try? handle.close() }
        var found: [String] = []
        var partial: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let chunk = try handle.readToEnd() ?? Data()
            partial += chunk
            if let lastNewline = partial.lastIndex(of: UInt8(ascii: "\n")) {
                let complete = String(decoding: partial[...lastNewline], as: UTF8.self)
                partial.removeSubrange(...lastNewline)
                found += complete.split(separator: "\n").filter { $0.contains(text) }.map(String.init)
            }
            if found.count >= count || Date() >= deadline {
                return found
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Posts `body` to the `workos` webhook path, signed with the test secret now.
    func postWebhook(_ body: [UInt8]) throws -> TestResponse {
        let header = WorkOSSignature.header(
            secret: TestServer.secret,
            timestampMs: InletServer.systemClock(),
            body: body
        )
        return try TestHTTPClient.request(
            port: self.port,
            "POST",
            "/webhooks/workos/\(TestServer.token)",
            headers: [("Content-Type", "application/json"), ("WorkOS-Signature", header)],
            body: body
        )
    }

    /// Calls the REST API with `key` (the test key by default).
    func api(
        _ method: String,
        _ path: String,
        json: JSON? = nil,
        key: String = TestServer.apiKey
    ) throws
        -> TestResponse
    {
        var headers = [("Authorization", "Bearer \(key)")]
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

    private static func waitForExit(_ process: Process, timeout: Double) async -> Exit? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            guard Date() < deadline else {
                return nil
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        process.waitUntilExit()
        switch process.terminationReason {
        case .exit: return .exited(process.terminationStatus)
        case .uncaughtSignal: return .signaled(process.terminationStatus)
        @unknown default: return .exited(process.terminationStatus)
        }
    }
}

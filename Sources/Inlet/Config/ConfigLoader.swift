import Foundation

/// Reads, validates and compiles an Inlet config file (SPEC 2).
///
/// Every problem is collected, not just the first, each with its JSON location; the result is
/// only returned when there are none. Unknown keys are errors; every key has a default except
/// `sources` (at least one) and `environments` (at least one, each with at least one API key).
/// `${NAME}` in `signing_secrets`, `api_keys` and a source's `path` is read from `environment`.
public enum ConfigLoader {
    /// Loads the config file at `path`.
    ///
    /// - Parameters:
    ///   - path: the file to read.
    ///   - environment: the variables for `${NAME}` (usually `ProcessInfo.processInfo.environment`).
    ///   - placeholdersForMissingVariables: when true, a variable that is not set becomes the text
    ///     `unset-NAME` instead of an error. Only for offline tools that never verify or serve (such as
    ///     `inlet rehearse`); `inlet serve`, reloads and `inlet check-config` leave it false.
    /// - Throws: `ConfigErrors` listing every problem (an unreadable file is one error at `path`).
    public static func load(
        path: String,
        environment: [String: String],
        placeholdersForMissingVariables: Bool = false
    ) throws(ConfigErrors) -> InletConfig {
        let contents: Data
        do {
            contents = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigErrors([
                ConfigError(location: path, message: "cannot read the config file (\(error.localizedDescription))")
            ])
        }
        return try ConfigLoader.load(
            bytes: Array(contents),
            environment: environment,
            placeholdersForMissingVariables: placeholdersForMissingVariables
        )
    }

    /// Loads a config from the bytes of a JSON document.
    ///
    /// - Parameters:
    ///   - bytes: the JSON document.
    ///   - environment: the variables for `${NAME}`.
    ///   - placeholdersForMissingVariables: see `load(path:environment:placeholdersForMissingVariables:)`.
    /// - Throws: `ConfigErrors` listing every problem; a JSON syntax error is reported alone,
    ///   located by line, column and byte offset.
    public static func load(
        bytes: [UInt8],
        environment: [String: String],
        placeholdersForMissingVariables: Bool = false
    ) throws(ConfigErrors) -> InletConfig {
        let document: JSON
        do {
            document = try JSONParser().parse(bytes)
        } catch {
            let location = ConfigLoader.textPosition(of: error.offset, in: bytes)
            throw ConfigErrors([ConfigError(location: location, message: "invalid JSON: \(error.reason)")])
        }

        var decoder = ConfigDecoder(environment: environment)
        decoder.placeholdersForMissingVariables = placeholdersForMissingVariables
        let config = decoder.decodeConfig(document)
        guard decoder.errors.isEmpty, let config else {
            throw ConfigErrors(decoder.errors)
        }
        return config
    }

    /// `line L, column C (byte B)` for a byte offset; lines and columns count from 1, columns in bytes.
    static func textPosition(of offset: Int, in bytes: [UInt8]) -> String {
        let end = min(max(offset, 0), bytes.count)
        var line = 1
        var lineStart = 0
        for position in 0..<end where bytes[position] == 0x0A {
            line += 1
            lineStart = position + 1
        }
        return "line \(line), column \(end - lineStart + 1) (byte \(offset))"
    }
}

import Foundation

/// Replaces `${NAME}` references with environment variables (in `signing_secrets`, `api_keys`
/// and a source's `path` only, SPEC 2).
///
/// `NAME` is a letter or `_` followed by letters, digits or `_`. A `$` not followed by `{` is
/// kept as is. A reference that is never closed or has an invalid name is an error, and so is
/// every variable that is not set (each is named, its value never is).
public enum EnvironmentSubstitution {
    /// Why a string could not be substituted.
    public enum Failure: Error, Sendable, Equatable {
        /// These variables are not set, in order of appearance.
        case missing([String])
        /// A `${` that is not a well-formed reference; the detail says why.
        case malformed(String)
    }

    /// `text` with every `${NAME}` replaced by `environment[NAME]`.
    public static func substitute(_ text: String, environment: [String: String]) -> Result<String, Failure> {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        var missing: [String] = []
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "$"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "{")
            else {
                output.append(bytes[index])
                index += 1
                continue
            }
            guard let close = bytes[(index + 2)...].firstIndex(of: UInt8(ascii: "}")) else {
                return .failure(.malformed("\"${\" at character \(index) is never closed"))
            }
            let name = String(decoding: bytes[(index + 2)..<close], as: UTF8.self)
            guard EnvironmentSubstitution.isValidName(name) else {
                return .failure(.malformed("\"${\(name)}\" is not a valid variable name"))
            }
            if let value = environment[name] {
                output.append(contentsOf: value.utf8)
            } else if !missing.contains(name) {
                missing.append(name)
            }
            index = close + 1
        }
        guard missing.isEmpty else { return .failure(.missing(missing)) }
        return .success(String(decoding: output, as: UTF8.self))
    }

    /// The variable names `text` refers to, in order (for `make run`-style tooling).
    public static func references(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            let after = rest[start.upperBound...]
            guard let close = after.firstIndex(of: "}") else { break }
            let name = String(after[..<close])
            if EnvironmentSubstitution.isValidName(name), !names.contains(name) {
                names.append(name)
            }
            rest = after[after.index(after: close)...]
        }
        return names
    }

    /// Whether `name` is a letter or `_` followed by letters, digits or `_` (ASCII).
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic)
        else {
            return false
        }
        return name.unicodeScalars.allSatisfy {
            $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)))
        }
    }
}

/// The flags and positional arguments of one command, parsed against the flags it accepts.
///
/// Accepts `--name value` and `--name=value`; `--` ends the flags. Anything unknown, a flag given
/// twice or a flag without its value is a `UsageError` whose message is one line for stderr.
struct CommandArguments {
    /// Values of the flags that were given, by name without dashes.
    private(set) var flags: [String: String] = [:]

    /// Whether `--help` or `-h` was given.
    private(set) var wantsHelp = false

    /// Positional arguments in order.
    private(set) var positionals: [String] = []

    /// Parses `arguments` for a command accepting `flagNames` and at most `maxPositionals` positionals.
    init(_ arguments: [String], flagNames: Set<String>, maxPositionals: Int) throws(UsageError) {
        var index = 0
        var flagsEnded = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1

            if flagsEnded || !argument.hasPrefix("-") || argument == "-" {
                self.positionals.append(argument)
                continue
            }
            if argument == "--" {
                flagsEnded = true
                continue
            }
            if argument == "--help" || argument == "-h" {
                self.wantsHelp = true
                continue
            }

            let body = argument.drop { $0 == "-" }
            let name: String
            let value: String
            let equals = body.firstIndex(of: "=")
            name = String(body[..<(equals ?? body.endIndex)])
            guard flagNames.contains(name) else {
                throw UsageError("unknown flag --\(name)")
            }
            if let equals {
                value = String(body[body.index(after: equals)...])
            } else {
                guard index < arguments.count else {
                    throw UsageError("--\(name) needs a value")
                }
                value = arguments[index]
                index += 1
            }
            guard self.flags[name] == nil else {
                throw UsageError("--\(name) given twice")
            }
            self.flags[name] = value
        }
        guard self.positionals.count <= maxPositionals else {
            throw UsageError("unexpected argument \"\(self.positionals[maxPositionals])\"")
        }
    }

    /// The value of `--name`, if given.
    subscript(name: String) -> String? {
        self.flags[name]
    }
}

/// A command-line mistake; the process prints `inlet: <message>` and exits 2.
struct UsageError: Error, CustomStringConvertible {
    /// One line saying what was wrong.
    let message: String

    /// An error with this message.
    init(_ message: String) {
        self.message = message
    }

    /// The message.
    var description: String {
        self.message
    }
}

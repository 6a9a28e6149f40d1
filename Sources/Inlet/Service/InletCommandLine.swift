import Foundation

/// The `inlet` command line: parses arguments and runs one command.
///
/// Results go to stdout, diagnostics to stderr. A bad flag exits 2 with a one-line reason.
public enum InletCommandLine {
    static let usage = """
        usage: inlet <command> [options]

        commands:
          serve          run the webhook server
          check-config   validate a config file and print every error with its JSON location
          sign           print the WorkOS-Signature header value for a body
          rehearse       run a source's mappings on a payload without writing anything

        Run 'inlet <command> --help' for a command's options; 'inlet --version' prints the version.

        """

    static let serveUsage = """
        usage: inlet serve [--config PATH] [--listen HOST:PORT] [--data PATH] [--log-level LEVEL]

          --config PATH        the config file (default Config/inlet.json)
          --listen HOST:PORT   overrides "listen" (port 0 picks a free port)
          --data PATH          overrides "data": the SQLite file, or :memory:
          --log-level LEVEL    overrides "log_level": trace, debug, info, notice, warning, error, critical

        Prints the listening URL, each source's webhook URL and each environment on stdout, then logs
        on stderr. SIGTERM or SIGINT drains requests in flight and exits 0; SIGHUP reloads the config.

        """

    static let checkUsage = """
        usage: inlet check-config PATH

        Validates the config at PATH, reading ${NAME} values from the environment. Prints every error
        as "location: message" and exits 1 when there is any, else prints "ok" and exits 0.

        """

    static let signUsage = """
        usage: inlet sign --secret SECRET [--timestamp MS] [FILE]

          --secret SECRET   the endpoint's signing secret
          --timestamp MS    the t value in epoch milliseconds (default: now)
          FILE              the exact body bytes to sign (default: standard input)

        Prints exactly "t=<ms>, v1=<hex>" and a newline: the WorkOS-Signature header value.

        """

    static let rehearseUsage = """
        usage: inlet rehearse --config PATH --source KEY [FILE]

          --config PATH   the config file
          --source KEY    the source whose mappings run
          FILE            the webhook body (default: standard input)

        Prints the event type and the resolved actions as JSON; writes nothing.

        """

    /// Runs the command named by `arguments` (without the program name) and returns the exit status.
    public static func run(arguments: [String]) -> Int32 {
        guard let command = arguments.first else {
            InletCommandLine.printError(InletCommandLine.usage)
            return 2
        }
        let rest = Array(arguments.dropFirst())
        do {
            switch command {
            case "serve": return try InletCommandLine.serve(rest)
            case "check-config": return try InletCommandLine.checkConfig(rest)
            case "sign": return try InletCommandLine.sign(rest)
            case "rehearse": return try InletCommandLine.rehearse(rest)
            case "--help", "-h", "help":
                print(InletCommandLine.usage, terminator: "")
                return 0
            case "--version", "version":
                print("inlet \(InletServer.version)")
                return 0
            default:
                throw UsageError("unknown command \"\(command)\"; run 'inlet --help'")
            }
        } catch {
            InletCommandLine.printError("inlet: \(error)\n")
            return 2
        }
    }

    private static func serve(_ arguments: [String]) throws(UsageError) -> Int32 {
        let parsed = try CommandArguments(
            arguments,
            flagNames: ["config", "listen", "data", "log-level"],
            maxPositionals: 0
        )
        if parsed.wantsHelp {
            print(InletCommandLine.serveUsage, terminator: "")
            return 0
        }
        if let listen = parsed["listen"], InletConfig.parseListenAddress(listen) == nil {
            throw UsageError("--listen must be HOST:PORT with a port from 0 to 65535, not \"\(listen)\"")
        }
        var options = InletServer.Options(configPath: parsed["config"] ?? "Config/inlet.json")
        options.listen = parsed["listen"]
        options.data = parsed["data"]
        if let name = parsed["log-level"] {
            guard let level = Logger.Level(name: name) else {
                throw UsageError(
                    "--log-level must be one of \(Logger.Level.allCases.map(\.name).joined(separator: ", "))"
                )
            }
            options.logLevel = level
        }

        // Block the handled signals before any other thread exists, so that every thread inherits
        // the mask: the kernel then keeps them pending until `waitForSignals` takes them, even a
        // SIGTERM sent while the store opens or a SIGHUP sent the moment the banner appears.
        InletCommandLine.blockHandledSignals()
        MallocTuning.returnLargeBlocksToTheSystem()
        let server: InletServer
        do {
            server = try InletServer.start(options)
        } catch {
            InletCommandLine.printError("inlet: \(error.message)\n")
            return 1
        }
        FileHandle.standardOutput.write(Data(server.banner.utf8))
        InletCommandLine.waitForSignals(server)
    }

    /// The signals `serve` handles, as a set.
    private static func handledSignals() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for number in [SIGTERM, SIGINT, SIGHUP] {
            sigaddset(&set, number)
        }
        return set
    }

    /// Blocks the handled signals in the calling thread (and so in the threads it creates later).
    private static func blockHandledSignals() {
        var set = InletCommandLine.handledSignals()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Takes the handled signals one at a time, forever: SIGHUP reloads; SIGTERM and SIGINT shut
    /// down and exit 0.
    ///
    /// A synchronous `sigwait` on signals blocked in every thread loses none. Dispatch signal
    /// sources do lose some on Linux: `dispatchMain` parks the main thread in `sigsuspend` with all
    /// signals unblocked, and a signal caught there is re-raised at a thread that may never read it.
    private static func waitForSignals(_ server: InletServer) -> Never {
        var set = InletCommandLine.handledSignals()
        while true {
            var number: Int32 = 0
            guard sigwait(&set, &number) == 0 else {
                continue
            }
            if number == SIGHUP {
                server.reload()
            } else {
                server.shutdown()
                exit(0)
            }
        }
    }

    private static func checkConfig(_ arguments: [String]) throws(UsageError) -> Int32 {
        let parsed = try CommandArguments(arguments, flagNames: [], maxPositionals: 1)
        if parsed.wantsHelp {
            print(InletCommandLine.checkUsage, terminator: "")
            return 0
        }
        guard let path = parsed.positionals.first else {
            throw UsageError("check-config needs the config file's path")
        }
        do {
            _ = try ConfigLoader.load(path: path, environment: ProcessInfo.processInfo.environment)
        } catch {
            for item in error.errors {
                InletCommandLine.printError("\(item.description)\n")
            }
            InletCommandLine.printError("\(path): \(error.errors.count) error(s)\n")
            return 1
        }
        print("ok")
        return 0
    }

    private static func sign(_ arguments: [String]) throws(UsageError) -> Int32 {
        let parsed = try CommandArguments(arguments, flagNames: ["secret", "timestamp"], maxPositionals: 1)
        if parsed.wantsHelp {
            print(InletCommandLine.signUsage, terminator: "")
            return 0
        }
        guard let secret = parsed["secret"] else {
            throw UsageError("sign needs --secret")
        }
        var timestamp = InletServer.systemClock()
        if let text = parsed["timestamp"] {
            guard text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let value = Int64(text) else {
                throw UsageError("--timestamp must be epoch milliseconds, digits only")
            }
            timestamp = value
        }
        let body = try InletCommandLine.readInput(parsed.positionals.first)
        print(WorkOSSignature.header(secret: secret, timestampMs: timestamp, body: body))
        return 0
    }

    private static func rehearse(_ arguments: [String]) throws(UsageError) -> Int32 {
        let parsed = try CommandArguments(arguments, flagNames: ["config", "source"], maxPositionals: 1)
        if parsed.wantsHelp {
            print(InletCommandLine.rehearseUsage, terminator: "")
            return 0
        }
        guard let configPath = parsed["config"], let sourceKey = parsed["source"] else {
            throw UsageError("rehearse needs --config and --source")
        }
        let config: InletConfig
        do {
            config = try ConfigLoader.load(
                path: configPath,
                environment: ProcessInfo.processInfo.environment,
                placeholdersForMissingVariables: true
            )
        } catch {
            InletCommandLine.printError("inlet: invalid config \(configPath):\n\(error.description)\n")
            return 1
        }
        guard let source = config.source(forKey: sourceKey) else {
            throw UsageError("no source \"\(sourceKey)\" in \(configPath)")
        }
        let bytes = try InletCommandLine.readInput(parsed.positionals.first)
        let body: JSON
        do {
            body = try JSONParser().parse(bytes)
        } catch {
            InletCommandLine.printError("inlet: the payload is not valid JSON: \(error)\n")
            return 1
        }
        guard case .object = body else {
            InletCommandLine.printError("inlet: the payload must be a JSON object, not a \(body.typeName)\n")
            return 1
        }
        let result = config.mappingEngine(for: source).rehearse(MappingEnvelope(body: body))
        print(result.serialized(pretty: true))
        return 0
    }

    private static func readInput(_ path: String?) throws(UsageError) -> [UInt8] {
        if let path, path != "-" {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw UsageError("cannot read \(path)")
            }
            return Array(data)
        }
        return Array(FileHandle.standardInput.readDataToEndOfFile())
    }

    private static func printError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

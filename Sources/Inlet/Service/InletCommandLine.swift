import Foundation

/// The `inlet` command line: parses arguments and runs one command.
public enum InletCommandLine {
    /// Runs the command named by `arguments` (without the program name) and returns the exit status.
    public static func run(arguments: [String]) -> Int32 {
        FileHandle.standardError.write(Data("inlet: not built yet\n".utf8))
        return 2
    }
}

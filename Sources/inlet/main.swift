import Foundation
import Inlet

exit(InletCommandLine.run(arguments: Array(CommandLine.arguments.dropFirst())))

import FlowlogModel
import FlowlogStore
import FlowlogIngest
import FlowlogPolicy
import FlowlogEvaluation
import FlowlogReporting
import ArgumentParser

@main
struct Flowlog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flowlog",
        abstract: "Store Cilium/Hubble flow logs and answer what is dropped and why.",
        discussion: """
            Exit codes: 0 success; 1 runtime failure; 3 a --fail-on-… condition held; \
            64 usage error; 65 invalid input data.
            """,
        version: "0.1.0",
        subcommands: [IngestCommand.self, ObserveCommand.self, DropsCommand.self, EvaluateCommand.self, ReplayCommand.self,
                      PolicyCommand.self, ReportCommand.self, PruneCommand.self,
                      StatsCommand.self]
    )

    /// `--db` may also be given before the subcommand (`flowlog --db PATH drops`); the subcommands
    /// declare the same option group, so they receive it.
    @OptionGroup(title: "Database") var store: StoreOptions

    /// Parses and runs the command as swift-argument-parser does, with one difference: every
    /// error is printed in flowlog's one style, `flowlog: error: …` (the parser's own start with
    /// `Error:`), followed by the parser's usage lines for the command that was given.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let topic = unknownHelpTopic(arguments) {
            printError("flowlog: error: no command '\(TextEscaping.terminal(topic))'; see 'flowlog --help' for the commands")
            Flowlog.exit(withError: ExitCode.validationFailure)
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            let code = exitCode(for: error)
            // Help and --version go to standard output; an ExitCode has printed its own error.
            if code == .success || error is ExitCode { Flowlog.exit(withError: error) }
            var message = fullMessage(for: error)
            if message.hasPrefix("Error: ") {
                // The first line says what was wrong; the parser's usage lines follow it.
                let rest = message.dropFirst("Error: ".count)
                let firstLine = rest.prefix { $0 != "\n" }
                let command = arguments.first { !$0.hasPrefix("-") }
                message = "flowlog: error: " + UnknownOptionAdvice.rewrite(String(firstLine), command: command)
                    + rest.dropFirst(firstLine.count)
            }
            printError(TextEscaping.terminalLines(message))
            Flowlog.exit(withError: ExitCode(code.rawValue))
        }
    }

    /// `flowlog help NAME…` naming no command (the parser would show the root's help and exit 0).
    static func unknownHelpTopic(_ arguments: [String]) -> String? {
        guard arguments.first == "help" else { return nil }
        var command: any ParsableCommand.Type = Flowlog.self
        for name in arguments.dropFirst() where !name.hasPrefix("-") {
            guard let next = command.configuration.subcommands.first(where: { $0._commandName == name }) else { return name }
            command = next
        }
        return nil
    }
}

/// Exit codes beyond success and usage errors (64, swift-argument-parser's default).
enum ExitCodes {
    static let runtimeFailure: Int32 = 1
    /// A `--fail-on-…` condition held.
    static let conditionHeld: Int32 = 3
    /// Invalid input data (sysexits' EX_DATAERR).
    static let dataError: Int32 = 65
}

/// Runs a command body, printing failures as `flowlog: error: …` and mapping them to exit codes.
/// - Parameter verbose: print a store error with the backend's own message, code and SQL text;
///   otherwise it is said in plain words.
func reportingErrors<T>(verbose: Bool = false, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch let error as CLIError {
        switch error {
        case .data(let diagnostic):
            // Already a compiler-style diagnostic (`file:line:column: error: …`), possibly with its
            // source line and caret; escaped line by line, which leaves escaped text as it is.
            printError(TextEscaping.terminalLines(diagnostic))
            throw ExitCode(ExitCodes.dataError)
        case .runtime(let message):
            printError("flowlog: error: " + TextEscaping.terminal(message))
            throw ExitCode(ExitCodes.runtimeFailure)
        }
    } catch let error as StoreError {
        // Errors quote paths and input; none reaches the terminal raw.
        printError("flowlog: error: " + TextEscaping.terminalLines(verbose ? error.verboseDescription : error.plainDescription))
        throw ExitCode(ExitCodes.runtimeFailure)
    } catch {
        printError("flowlog: error: " + TextEscaping.terminal("\(error)"))
        throw ExitCode(ExitCodes.runtimeFailure)
    }
}

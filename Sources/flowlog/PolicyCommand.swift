import FlowlogModel
import FlowlogStore
import FlowlogIngest
import FlowlogPolicy
import FlowlogEvaluation
import FlowlogReporting
import ArgumentParser

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Work with NetworkPolicy and CiliumNetworkPolicy files.",
        subcommands: [LintCommand.self, SuggestCommand.self])
}

struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Validate NetworkPolicy and CiliumNetworkPolicy files and warn about likely mistakes.",
        discussion: """
            Validates as the API server does (each file up to its first error, with \
            file:line:column and the field path; every file is checked, and any error means exit \
            65), then warns about: a policy that selects no pod seen in the stored \
            flows, a peer that matches no pod seen, a namespaceSelector and a podSelector written \
            as two peers where one (both must hold) was probably meant, and a default-deny egress \
            without a DNS allow. The checks against stored flows are skipped when the database \
            has none.
            """)

    @OptionGroup(title: "Database") var store: StoreOptions

    @Argument(help: ArgumentHelp("Policy files or directories, or - for standard input.", valueName: "path"))
    var paths: [String]

    func validate() throws {
        if paths.isEmpty { throw ValidationError("give policy files or directories to lint") }
    }

    func run() throws {
        try reportingErrors(verbose: store.verbose) {
            let (loaded, errors) = PolicyLoader.loadReportingAllErrors(paths: paths)
            // Every bad file is reported, not just the first; the valid ones are still linted.
            for error in errors { printError(TextEscaping.terminalLines(error.expandedDescription)) }
            var out = StandardOutput()
            for diagnostic in loaded.diagnostics { out.write(TextEscaping.terminal(diagnostic.description) + "\n") }
            // Lint reads the database only when there is one: it never creates it.
            let seen = try store.openExistingStore()?.endpoints() ?? []
            let findings = PolicyLinter.lint(loaded.policies, ciliumPolicies: loaded.ciliumPolicies, seen: seen)
            for finding in findings { out.write(TextEscaping.terminal(finding.description) + "\n") }
            // Every warning printed is counted: the loader's (an unknown field) and the linter's.
            let warnings = findings.count + loaded.diagnostics.filter { $0.severity == .warning }.count
            let policies = loaded.policies.count + loaded.ciliumPolicies.count
            var summary = "\(policies) \(policies == 1 ? "policy" : "policies") valid; "
                + "\(warnings) \(warnings == 1 ? "warning" : "warnings")"
            if seen.isEmpty { summary += " (no stored flows: the checks against seen pods were skipped)" }
            out.write(summary + "\n")
            if !errors.isEmpty {
                printError("flowlog: error: \(errors.count) \(errors.count == 1 ? "file is" : "files are") not valid (see above)")
                throw ExitCode(ExitCodes.dataError)
            }
        }
    }
}

import FlowlogModel
import FlowlogStore
import FlowlogIngest
import FlowlogPolicy
import FlowlogEvaluation
import FlowlogReporting
import ArgumentParser

extension ReplayFormat: ExpressibleByArgument {}

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay stored flows against NetworkPolicies and Cilium policies: what would they break, what would they unblock?",
        discussion: """
            Each stored connection is judged in its original direction (a reply follows its \
            connection) and compared with what Hubble recorded: FORWARDED but denied by the \
            policies would break; DROPPED by policy but allowed would unblock. Groups are by \
            source and destination labels and port, each with one explanation.

            Exit codes: 0 done; 3 with --fail-on-break when anything would break (a CI gate for \
            policy pull requests; it also prints one line saying how much on stderr); 65 an invalid \
            policy file.
            """)

    @OptionGroup(title: "Database") var store: StoreOptions
    @OptionGroup(title: "Policies") var policyOptions: PolicyOptions
    @OptionGroup(title: "Filters") var filters: FilterOptions

    @Option(help: "Group endpoints by: \(EndpointGrouping.allCases.map(\.rawValue).joined(separator: ", ")).")
    var by: EndpointGrouping = .labels

    @Option(parsing: .unconditional, help: "List at most N groups per outcome (0 for all).", transform: CountArgument.parse)
    var top: Int = 20

    @Option(name: [.customShort("o"), .long], help: "Output format: \(ReplayFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var output: ReplayFormat = .table

    @Flag(name: .customLong("fail-on-break"), help: "Exit 3 when any recorded FORWARDED flow would be denied.")
    var failOnBreak = false

    func run() throws {
        let report = try reportingErrors(verbose: store.verbose) { () throws -> ReplayReport in
            let evaluator = try policyOptions.evaluator(verbose: store.verbose)
            let flowStore = try store.openStore(.readOnly)
            let asked = try filters.query(now: now())
            let withPodAddresses = policyOptions.ipBlockMatchesPodIPs
            let query = try flowStore.retained(asked, answer: try flowStore.connectionsAnswer(asked, withPodAddresses: withPodAddresses), verbose: store.verbose)
            let connections = try flowStore.connectionCounts(matching: query, withPodAddresses: withPodAddresses)
            let report = PolicyReplay.run(connections, evaluator: evaluator, grouping: by)
            var out = StandardOutput()
            output.render(report, top: top == 0 ? nil : top, to: &out)
            return report
        }
        if failOnBreak && report.total(.wouldBreak) > 0 {
            // One line on stderr, so cron (which mails output, not the exit status) says why.
            printError(Self.breakSummary(report))
            throw ExitCode(ExitCodes.conditionHeld)
        }
    }

    /// The line `--fail-on-break` prints when it trips.
    static func breakSummary(_ report: ReplayReport) -> String {
        let flows = report.total(.wouldBreak)
        let groups = report.groups.filter { $0.outcome == .wouldBreak }.count
        return "flowlog: fail-on-break: \(flows) recorded FORWARDED \(flows == 1 ? "flow" : "flows") "
            + "(\(groups) \(groups == 1 ? "group" : "groups")) would be denied by the policies"
    }
}

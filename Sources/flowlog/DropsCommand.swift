import FlowlogModel
import FlowlogStore
import FlowlogIngest
import FlowlogPolicy
import FlowlogEvaluation
import FlowlogReporting
import ArgumentParser

extension EndpointGrouping: ExpressibleByArgument {}
extension DropReportFormat: ExpressibleByArgument {}

struct DropsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drops",
        abstract: "Dropped flows grouped by source and destination.",
        discussion: """
            Each dropped packet is counted once: Hubble often reports a drop twice (a policy-verdict \
            event and a drop event); only the drop event is counted. Groups are sorted by count, \
            then by source and destination.
            """)

    @OptionGroup(title: "Database") var store: StoreOptions
    @OptionGroup(title: "Filters") var filters: FilterOptions

    @Option(help: "Group endpoints by: \(EndpointGrouping.allCases.map(\.rawValue).joined(separator: ", ")).")
    var by: EndpointGrouping = .labels

    @Option(parsing: .unconditional, help: "Show the N largest groups (0 for all).", transform: CountArgument.parse)
    var top: Int = 20

    @Option(name: [.customShort("o"), .long], help: "Output format: \(DropReportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var output: DropReportFormat = .table

    func run() throws {
        try reportingErrors(verbose: store.verbose) {
            let flowStore = try store.openStore(.readOnly)
            let asked = try filters.query(now: now())
            let query = try flowStore.retained(asked, answer: asked.dropsAnswer, verbose: store.verbose)
            let counts = try flowStore.dropCounts(matching: query)
            let report = DropAggregator.report(counts, by: by, top: top == 0 ? nil : top)
            var out = StandardOutput()
            output.render(report, to: &out)
        }
    }
}

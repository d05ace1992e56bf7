import FlowlogModel
import FlowlogStore
import FlowlogIngest
import FlowlogPolicy
import FlowlogEvaluation
import FlowlogReporting
import ArgumentParser

extension FlowFormat: ExpressibleByArgument {}

struct ObserveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "observe",
        abstract: "Show stored flows in time order, like hubble observe over the stored history.")

    @OptionGroup(title: "Database") var store: StoreOptions
    @OptionGroup(title: "Filters") var filters: FilterOptions

    @Option(parsing: .unconditional, help: "Show the newest N matching flows (default 20 unless --all).",
            transform: CountArgument.parse)
    var last: Int?

    @Option(parsing: .unconditional, help: "Show the oldest N matching flows, in time order (as hubble observe --first).",
            transform: CountArgument.parse)
    var first: Int?

    @Flag(help: "Show every matching flow.")
    var all = false

    @Option(name: [.customShort("o"), .long], help: "Output format: \(FlowFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var output: FlowFormat = .compact

    func validate() throws {
        if all && last != nil { throw ValidationError("--all and --last cannot be used together") }
        if first != nil && (all || last != nil) { throw ValidationError("--first cannot be used with --last or --all") }
        if let last, last < 0 { throw ValidationError("--last must be 0 or more") }
        if let first, first < 0 { throw ValidationError("--first must be 0 or more") }
    }

    /// Thrown by the row handler to stop reading once `--first` flows are written.
    private struct EnoughFlows: Error {}

    func run() throws {
        try reportingErrors(verbose: store.verbose) {
            let flowStore = try store.openStore(.readOnly)
            // Flows before a prune's cut are gone: say so, and show the retained ones.
            let query = try flowStore.retained(try filters.query(now: now()), answer: .rawFlows, verbose: store.verbose)
            var out = StandardOutput()
            var writer = FlowStreamWriter(format: output)
            // Rows are written as they are read, so `--all` needs no memory per flow. `--first`
            // reads oldest first and stops after N.
            if let first {
                var written = 0
                do {
                    if first > 0 {
                        try flowStore.forEachFlow(matching: query, last: nil) { flow in
                            writer.write(flow, to: &out)
                            written += 1
                            if written == first { throw EnoughFlows() }
                        }
                    }
                } catch is EnoughFlows {}
            } else {
                try flowStore.forEachFlow(matching: query, last: all ? nil : (last ?? 20)) { flow in
                    writer.write(flow, to: &out)
                }
            }
            writer.finish(to: &out)
        }
    }
}

import ArgumentParser
import FlowlogCore

extension ReportFormat: ExpressibleByArgument {}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "A periodic drop report, for cron: totals, top and new drop pairs, drops per namespace, reason and hour.",
        discussion: """
            --since 24h covers the last 24 hours (a duration or an RFC 3339 time). --window \
            last-report covers exactly the time since the previous report run (kept in the \
            database), so consecutive reports neither miss nor repeat anything; the first such run \
            covers the last 24 hours. A run claims its window in one database transaction before \
            building the report: when two runs overlap, the later one takes the next window (from \
            where the first one ended to its own start time, possibly empty, with a note on \
            stderr), never the same one. A run that fails before its report is written gives its \
            window back, unless a later run has already claimed past it. With --policies, the \
            window's flows are also replayed against the policies. Every time is UTC RFC 3339.

            --out FILE writes atomically (a temporary file renamed over FILE), so a web server \
            never serves half a report.

            Exit codes: 0 done; 1 failure; 3 with --fail-on-new-drops when drop pairs appeared \
            that were never seen before the window (cron mails on non-zero); 65 an invalid policy file.
            """)

    enum Window: String, ExpressibleByArgument, CaseIterable {
        case lastReport = "last-report"
    }

    @OptionGroup(title: "Database") var store: StoreOptions

    @Option(help: ArgumentHelp("The start of the window: a duration ago (24h, 7d) or an RFC 3339 time (default 24h).", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("The end of the window: a duration ago or an RFC 3339 time (default: now).", valueName: "time"))
    var until: String?

    @Option(help: ArgumentHelp("last-report: from where the previous report ended up to now.", valueName: "window"))
    var window: Window?

    @Option(name: [.customShort("n"), .long], help: ArgumentHelp("Only flows with either side in this namespace (repeat for more).", valueName: "namespace"))
    var namespace: [String] = []

    @Option(name: .long, help: ArgumentHelp("Also replay the window against these policies (a file or directory; repeat for more).", valueName: "path"))
    var policies: [String] = []

    @Option(help: "How many drop pairs to list.")
    var top = 10

    @Option(name: [.customShort("o"), .long], help: "Output format: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var output: ReportFormat = .markdown

    @Option(help: ArgumentHelp("Write the report to this file, atomically, instead of standard output.", valueName: "file"))
    var out: String?

    @Flag(name: .customLong("fail-on-new-drops"), help: "Exit 3 when drop pairs appeared that were never seen before the window.")
    var failOnNewDrops = false

    func validate() throws {
        if window != nil && (since != nil || until != nil) {
            throw ValidationError("--window last-report sets its own start and end; do not combine it with --since or --until")
        }
        if let until, TimeBound.parse(until, now: Timestamp(rawValue: 0)) == nil {
            throw ValidationError("--until: \"\(until)\" is neither a duration (1h) nor an RFC 3339 time")
        }
        if top < 0 { throw ValidationError("--top must be 0 or more") }
        if let since, TimeBound.parse(since, now: Timestamp(rawValue: 0)) == nil {
            throw ValidationError("--since: \"\(since)\" is neither a duration (24h, 7d) nor an RFC 3339 time")
        }
    }

    func run() throws {
        let report = try reportingErrors { () throws -> PeriodicReport in
            let flowStore = try store.openStore()
            let current = now()
            let until = self.until.flatMap { TimeBound.parse($0, now: current) } ?? current
            var evaluator: VerdictEvaluator?
            if !policies.isEmpty {
                let loaded = try loadPolicies(policies)
                for diagnostic in loaded.diagnostics { printError(TextEscaping.terminal(diagnostic.description)) }
                evaluator = VerdictEvaluator(policies: loaded.policies)
            }
            // The window is claimed (the marker moved to its end in one transaction) before the
            // report is built, so a concurrent run takes the next window instead of this one.
            var claim: ReportWindowClaim?
            let reportWindow: ReportWindow
            if window == .lastReport {
                let (dayAgo, overflow) = until.rawValue.subtractingReportingOverflow(86_400_000_000_000)
                let claimed = try flowStore.claimReportWindow(name: "default", until: until,
                                                              firstStart: Timestamp(rawValue: overflow ? Int64.min : dayAgo))
                if claimed.isEmpty {
                    printError("flowlog: note: another report run already covered the time up to "
                               + "\(claimed.until.rfc3339()); this report's window is empty")
                }
                claim = claimed
                reportWindow = ReportWindow(since: claimed.since, until: claimed.until)
            } else {
                reportWindow = ReportWindow(since: TimeBound.parse(since ?? "24h", now: current) ?? current, until: until)
            }
            do {
                let report = try ReportBuilder.build(store: flowStore, window: reportWindow, namespaces: namespace, top: top,
                                                     evaluator: evaluator, generatedAt: current)
                try write(report)
                return report
            } catch {
                // Only a report that was written moves the window on: a failed one gives its
                // window back, unless a later run has already claimed past it.
                if let claim { _ = try? flowStore.releaseReportWindow(claim) }
                throw error
            }
        }
        if failOnNewDrops && !report.newPairs.isEmpty { throw ExitCode(ExitCodes.conditionHeld) }
    }

    /// Renders the report to `--out` (atomically) or to standard output.
    private func write(_ report: PeriodicReport) throws {
        var text = ""
        output.render(report, to: &text)
        guard let out else {
            var standardOutput = StandardOutput()
            standardOutput.write(text)
            return
        }
        do {
            try AtomicFileWriter.write(text, to: out)
        } catch {
            throw CLIError.runtime("\(error)")
        }
    }
}

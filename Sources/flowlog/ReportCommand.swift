import FlowlogModel
import FlowlogStore
import FlowlogIngest
import FlowlogPolicy
import FlowlogEvaluation
import FlowlogReporting
import ArgumentParser

extension ReportFormat: ExpressibleByArgument {}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "A periodic drop report, for cron: totals, top and new drop pairs, drops per namespace, reason and hour.",
        discussion: """
            --since 24h covers the last 24 hours (a duration or an RFC 3339 time). --window \
            last-report covers exactly the time since the previous report of the same selection \
            (its marker, kept in the database), so consecutive reports neither miss nor repeat \
            anything; the first such run covers the last 24 hours. The selection is what the report \
            covers apart from time: its --namespace values and --policies paths, in any order \
            (a --namespace production report and an unfiltered one have separate markers). The \
            marker moves only when the report is written with --out, or with --mark; a report to \
            standard output, or any run with --no-mark, previews the window and leaves the marker \
            where it was. A run that moves the marker claims its window in one database transaction before \
            building the report: when two runs overlap, the later one takes the next window (from \
            where the first one ended to its own start time, possibly empty, with a note on a \
            terminal), never the same one. A run that fails before its report is written gives its \
            window back, unless a later run has already claimed past it. With --policies, the \
            window's flows are also replayed against the policies. Every time is UTC RFC 3339. \
            A window with no flow in a database that holds flows says, in the report and on stderr, \
            the times of the first and last stored flow (on stderr as a warning when the window \
            lies wholly before or after them, else as a note).

            --out FILE writes atomically (a temporary file renamed over FILE), so a web server \
            never serves half a report; an existing FILE keeps its mode and owner, a new one is \
            0600 unless --mode says otherwise. A FIFO or a device (/dev/null) is written in place, \
            never replaced.

            Exit codes: 0 done; 1 failure; 3 with --fail-on-new-drops when drop pairs appeared \
            that were never seen before the window (with one line on stderr saying how many, which \
            is what cron mails); 65 an invalid policy file.
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

    @Option(parsing: .unconditional, help: "How many drop pairs to list.", transform: CountArgument.parse)
    var top: Int = 10

    @Option(name: [.customShort("o"), .long], help: "Output format: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var output: ReportFormat = .markdown

    @Option(help: ArgumentHelp("Write the report to this file, atomically, instead of standard output.", valueName: "file"))
    var out: String?

    @Option(help: ArgumentHelp("Permissions of the --out file, octal (0644 to let a web server read it; "
                               + "default: a new file 0600, an existing one keeps its mode).", valueName: "mode"),
            transform: FileModeArgument.parse)
    var mode: FileModeArgument?

    @Flag(name: .customLong("fail-on-new-drops"), help: "Exit 3 when drop pairs appeared that were never seen before the window.")
    var failOnNewDrops = false

    @Flag(inversion: .prefixedNo, help: ArgumentHelp(
        "With --window last-report: move the report's marker to the window's end, or (--no-mark) only preview the window. "
        + "Default: move it with --out, not when the report goes to standard output."))
    var mark: Bool?

    func validate() throws {
        if window != nil && (since != nil || until != nil) {
            throw ValidationError("--window last-report sets its own start and end; do not combine it with --since or --until")
        }
        let current = now()
        let given = try bounds(now: current)
        if let since = given.since, since >= (given.until ?? current) {
            throw ValidationError("--since \(since.rfc3339()) is not before the window's end \((given.until ?? current).rfc3339()); "
                                  + "a report window runs forward")
        }
        if mark != nil && window != .lastReport {
            throw ValidationError("--\(mark == true ? "" : "no-")mark applies to --window last-report, which keeps a marker")
        }
        if mode != nil && out == nil { throw ValidationError("--mode sets the permissions of the --out file; give --out too") }
    }

    /// `--since` and `--until` read against `now` (nil when not given).
    /// - Throws: `ValidationError` (exit 64) naming the flag whose value is unreadable or out of range.
    private func bounds(now: Timestamp) throws -> (since: Timestamp?, until: Timestamp?) {
        do {
            return (try since.map { text throws(FlowQueryFlagError) in try FlowQueryFlags.time(text, flag: "--since", now: now) },
                    try until.map { text throws(FlowQueryFlagError) in try FlowQueryFlags.time(text, flag: "--until", now: now) })
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        let report = try reportingErrors(verbose: store.verbose) { () throws -> PeriodicReport in
            // Only a --window last-report run that moves its marker writes.
            let flowStore = try store.openStore(movesMarker ? .readWrite : .readOnly)
            let current = now()
            let given = try bounds(now: current)
            let until = given.until ?? current
            var evaluator: VerdictEvaluator?
            if !policies.isEmpty {
                let loaded = try loadPolicies(policies)
                printPolicyDiagnostics(loaded.diagnostics, verbose: store.verbose)
                evaluator = VerdictEvaluator(policies: loaded.policies, ciliumPolicies: loaded.ciliumPolicies)
            }
            let (covered, claim) = try reportWindow(in: flowStore, since: given.since, until: until)
            do {
                let answered = try retained(covered, in: flowStore)
                var report = try ReportBuilder.build(store: flowStore, window: answered, namespaces: namespace, top: top,
                                                     evaluator: evaluator, generatedAt: current)
                if report.totals.flows == 0 { try describeEmptyWindow(&report, store: flowStore) }
                try write(report)
                return report
            } catch {
                // Only a report that was written moves the window on: a failed one gives its
                // window back, unless a later run has already claimed past it.
                if let claim { _ = try? flowStore.releaseReportWindow(claim) }
                throw error
            }
        }
        if failOnNewDrops && !report.newPairs.isEmpty {
            // One line on stderr, so cron (which mails output, not the exit status) says why.
            printError(Self.newDropsSummary(report))
            throw ExitCode(ExitCodes.conditionHeld)
        }
    }

    /// `window` with an edge inside a pruned period rounded to the rollups' buckets (hours where
    /// connections have a rollup, else minutes), saying so on standard error.
    private func retained(_ window: ReportWindow, in flowStore: any FlowStore) throws -> ReportWindow {
        var query = FlowQuery()
        query.since = window.since
        query.until = window.until
        let answer = try flowStore.connectionsAnswer(query, withPodAddresses: false)
        let state = try flowStore.retention()
        var plan = state.plan(query, answer: answer == .rawFlows ? query.dropsAnswer : answer)
        if answer == .rawFlows, let raw = state.rawFlowsStart, state.reachesPrunedPeriod(since: query.since, until: query.until) {
            // Drops come from the drops rollup; flow totals and replay need connections.
            plan.note = (plan.note ?? "flowlog: note: flows before \(raw.rfc3339(fractionDigits: 0)) were pruned")
                + "; flow totals and policy replay cover the retained period only (this store keeps no connection rollup)"
        }
        if let note = plan.note { printNote(note, verbose: store.verbose) }
        return ReportWindow(since: plan.query.since ?? window.since, until: plan.query.until ?? window.until)
    }

    /// Renders the report to `--out` (atomically, or in place for a FIFO or device) or to
    /// standard output.
    private func write(_ report: PeriodicReport) throws {
        var text = ""
        output.render(report, to: &text)
        guard let out else {
            var standardOutput = StandardOutput()
            standardOutput.write(text)
            return
        }
        do {
            try AtomicFileWriter.write(text, to: out, mode: mode?.value)
        } catch {
            throw CLIError.runtime("\(error)")
        }
    }
}

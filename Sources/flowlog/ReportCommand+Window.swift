import FlowlogModel
import FlowlogStore
import FlowlogReporting
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The report's window: which marker it reads, whether it moves it, and what an empty window says.
extension ReportCommand {
    /// Whether this run moves its selection's `last-report` marker: `--mark`, else `--out`
    /// without `--no-mark`. A report to standard output is a preview unless `--mark` says otherwise.
    var movesMarker: Bool { window == .lastReport && (mark ?? (out != nil)) }

    /// The report's selection (namespaces and policies), which names its marker.
    func selection() -> ReportSelection {
        var query = FlowQuery()
        query.either.namespaces = namespace
        return ReportSelection(query: query, policyPaths: policies, workingDirectory: currentDirectory())
    }

    /// The window to report on, with the claim to give back if the report fails (nil when the
    /// marker was not moved).
    ///
    /// With `--window last-report` it starts where the selection's previous report ended (the
    /// first one: a day before `until`); it is claimed (the marker moved to its end in one
    /// transaction) only when ``movesMarker``, so a concurrent run takes the next window instead.
    func reportWindow(in store: any FlowStore, since: Timestamp?, until: Timestamp) throws -> (ReportWindow, ReportWindowClaim?) {
        // The defaults are a day back (checked: a clock or --until near 1677 has no day before it).
        let dayBefore = until.subtracting(nanoseconds: 86_400_000_000_000) ?? Timestamp.earliest
        guard window == .lastReport else { return (ReportWindow(since: since ?? dayBefore, until: until), nil) }
        let selection = selection()
        guard movesMarker else {
            let previous = try store.lastReportEnd(name: selection.markerName)
            let start = previous ?? min(dayBefore, until)
            printNote("flowlog: note: previewing the window of the last report of \(TextEscaping.terminal(selection.description)); "
                      + "its marker was not moved (it moves with --out or --mark)", verbose: self.store.verbose)
            return (ReportWindow(since: start, until: max(until, start)), nil)
        }
        let claim = try store.claimReportWindow(name: selection.markerName, until: until, firstStart: dayBefore)
        try store.describeReport(name: selection.markerName, as: selection.description)
        if claim.isEmpty {
            printNote("flowlog: note: another report run already covered the time up to "
                      + "\(claim.until.rfc3339()); this report's window is empty", verbose: self.store.verbose)
        }
        return (ReportWindow(since: claim.since, until: claim.until), claim)
    }

    /// A window with no flow in a store that holds flows: sets the report's stored range and says
    /// it on stderr — as a warning when the window lies wholly outside the stored flows (old
    /// data, or ingest that stopped: worth a cron mail), else as a note (a quiet window).
    func describeEmptyWindow(_ report: inout PeriodicReport, store: any FlowStore) throws {
        let statistics = try store.statistics()
        guard statistics.flows > 0, let first = statistics.firstTime, let last = statistics.lastTime else { return }
        report.storedRange = StoredTimeRange(first: first, last: last)
        let window = report.window
        let message = "no flow in the window \(window.since.rfc3339(fractionDigits: 0)) to \(window.until.rfc3339(fractionDigits: 0)); "
            + "the database holds flows from \(first.rfc3339(fractionDigits: 0)) to \(last.rfc3339(fractionDigits: 0))"
        if last < window.since || first >= window.until {
            printError("flowlog: warning: " + message)
        } else {
            printNote("flowlog: note: " + message, verbose: self.store.verbose)
        }
    }

    /// The line `--fail-on-new-drops` prints when it trips: how many new pairs, in which window,
    /// and the largest few.
    static func newDropsSummary(_ report: PeriodicReport) -> String {
        let count = report.newPairs.count
        let shown = report.newPairs.prefix(3).map { "\($0.source) -> \($0.destination) (\($0.count))" }.joined(separator: ", ")
        return "flowlog: fail-on-new-drops: \(count) new drop \(count == 1 ? "pair" : "pairs") in "
            + "\(report.window.since.rfc3339(fractionDigits: 0)) to \(report.window.until.rfc3339(fractionDigits: 0)): "
            + TextEscaping.terminal(shown) + (count > 3 ? ", …" : "")
    }

    /// The working directory, against which relative `--policies` paths are made absolute.
    private func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

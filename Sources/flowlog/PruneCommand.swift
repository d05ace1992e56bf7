import FlowlogModel
import FlowlogStore
import FlowlogIngest
import FlowlogPolicy
import FlowlogEvaluation
import FlowlogReporting
import ArgumentParser

struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete flows and lost-event records older than a cut, and interned rows nothing uses any more.",
        discussion: """
            Prints what it deleted on standard error when that is a terminal, or with --verbose; \
            from cron (standard error not a terminal) a prune that succeeds prints nothing.
            """)

    @OptionGroup(title: "Database") var store: StoreOptions

    @Option(name: .customLong("older-than"), help: ArgumentHelp("Delete what is older than this: a duration (7d, 36h) or an RFC 3339 time.", valueName: "age"))
    var olderThan: String

    @Flag(help: "Afterwards, rebuild the database file to give the freed space back (VACUUM; takes a while on large databases).")
    var vacuum = false

    func validate() throws {
        _ = try cut(now: now())
    }

    /// The time before which rows go.
    /// - Throws: `ValidationError` (exit 64) when `--older-than` is unreadable or out of range.
    private func cut(now: Timestamp) throws -> Timestamp {
        do {
            return try FlowQueryFlags.time(olderThan, flag: "--older-than", now: now)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        try reportingErrors(verbose: store.verbose) {
            let cut = try cut(now: now())
            let flowStore = try store.openStore(.readWrite)
            let result = try flowStore.prune(before: cut)
            if vacuum { try flowStore.compact() }
            // A summary, for a terminal or --verbose: a weekly prune from cron mails nothing.
            printNote("pruned before \(cut.rfc3339(fractionDigits: 0)): \(result.flows) flows, \(result.lostEvents) lost-event records, "
                      + "\(result.endpoints) endpoints, \(result.labelSets) label sets, \(result.strings) strings"
                      + (vacuum ? "; database vacuumed" : ""), verbose: store.verbose)
        }
    }
}

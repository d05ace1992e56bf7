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
            Rollups (drops per minute and connections per hour) are kept as long as the flows \
            unless --keep-rollups keeps them longer: then `drops`, `report` and `replay` keep \
            answering from them for the period whose flows are gone.

            Prints what it deleted on standard error when that is a terminal, or with --verbose; \
            from cron (standard error not a terminal) a prune that succeeds prints nothing.
            """)

    @OptionGroup(title: "Database") var store: StoreOptions

    @Option(name: .customLong("older-than"), help: ArgumentHelp("Delete what is older than this: a duration (7d, 36h) or an RFC 3339 time.", valueName: "age"))
    var olderThan: String

    @Option(name: .customLong("keep-rollups"), help: ArgumentHelp("Keep the rollups until this age (400d), at least as long as --older-than; default: as long as the flows.", valueName: "age"))
    var keepRollups: String?

    @Flag(help: "Afterwards, rebuild the database file to give the freed space back (VACUUM; takes a while on large databases).")
    var vacuum = false

    func validate() throws {
        _ = try cuts(now: now())
    }

    /// The times before which raw rows and rollup rows go.
    /// - Throws: `ValidationError` (exit 64) when `--older-than` or `--keep-rollups` is
    ///   unreadable or out of range, or `--keep-rollups` is shorter than `--older-than`.
    private func cuts(now: Timestamp) throws -> PruneCuts {
        do {
            let raw = try FlowQueryFlags.time(olderThan, flag: "--older-than", now: now)
            guard let keepRollups else { return PruneCuts(raw: raw) }
            let rollups = try FlowQueryFlags.time(keepRollups, flag: "--keep-rollups", now: now)
            guard rollups <= raw else {
                throw ValidationError("--keep-rollups \(keepRollups) is shorter than --older-than \(olderThan): "
                                      + "rollups are kept at least as long as the flows")
            }
            return PruneCuts(raw: raw, rollups: rollups)
        } catch let error as FlowQueryFlagError {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        try reportingErrors(verbose: store.verbose) {
            let cuts = try cuts(now: now())
            let cut = cuts.raw
            let flowStore = try store.openStore(.readWrite)
            let result = try flowStore.prune(before: cuts)
            if vacuum { try flowStore.compact() }
            let rollups = cuts.rollups < cut ? "; rollups kept from \(cuts.rollups.rfc3339(fractionDigits: 0))" : ""
            // A summary, for a terminal or --verbose: a weekly prune from cron mails nothing.
            printNote("pruned before \(cut.rfc3339(fractionDigits: 0)): \(result.flows) flows, \(result.lostEvents) lost-event records, "
                      + "\(result.endpoints) endpoints, \(result.labelSets) label sets, \(result.strings) strings"
                      + rollups + (vacuum ? "; database vacuumed" : ""), verbose: store.verbose)
        }
    }
}

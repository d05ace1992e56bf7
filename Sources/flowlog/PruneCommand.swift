import ArgumentParser
import FlowlogCore

struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete flows and lost-event records older than a cut, and interned rows nothing uses any more.")

    @OptionGroup(title: "Database") var store: StoreOptions

    @Option(name: .customLong("older-than"), help: ArgumentHelp("Delete what is older than this: a duration (7d, 36h) or an RFC 3339 time.", valueName: "age"))
    var olderThan: String

    @Flag(help: "Afterwards, rebuild the database file to give the freed space back (VACUUM; takes a while on large databases).")
    var vacuum = false

    func validate() throws {
        if TimeBound.parse(olderThan, now: Timestamp(rawValue: 0)) == nil {
            throw ValidationError("--older-than: \"\(olderThan)\" is neither a duration (7d, 36h) nor an RFC 3339 time")
        }
    }

    func run() throws {
        try reportingErrors {
            let cut = TimeBound.parse(olderThan, now: now()) ?? now()
            let flowStore = try store.openStore()
            let result = try flowStore.prune(before: cut)
            if vacuum { try flowStore.vacuum() }
            printError("pruned before \(cut.rfc3339(fractionDigits: 0)): \(result.flows) flows, \(result.lostEvents) lost-event records, "
                       + "\(result.endpoints) endpoints, \(result.labelSets) label sets, \(result.strings) strings"
                       + (vacuum ? "; database vacuumed" : ""))
        }
    }
}

import FlowlogModel
import FlowlogStore
import FlowlogIngest
import FlowlogPolicy
import FlowlogEvaluation
import FlowlogReporting
import ArgumentParser

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "What the database holds: flows, time ranges (raw flows and the drops rollup), verdicts, size and input checkpoints.")

    @OptionGroup(title: "Database") var store: StoreOptions

    func run() throws {
        try reportingErrors(verbose: store.verbose) {
            let path = try store.path()
            let stats = try store.openStore(.readOnly).statistics()
            var out = StandardOutput()
            let size = stats.sizeBytes.map { " (\(formatBytes($0)))" } ?? ""
            out.write("database:      \(TextEscaping.terminal(path))\(size)\n")
            out.write("flows:         \(stats.flows)\n")
            if let first = stats.firstTime, let last = stats.lastTime {
                out.write("time range:    \(first.rfc3339(fractionDigits: 3)) to \(last.rfc3339(fractionDigits: 3))\n")
            }
            for (verdict, count) in stats.flowsByVerdict.sorted(by: { $0.key.code < $1.key.code }) {
                out.write("  \(verdict.name): \(count)\n")
            }
            out.write("drops:         \(stats.drops) (each dropped packet once)\n")
            if let raw = stats.retention.rawFlowsStart {
                out.write("raw flows:     pruned before \(raw.rfc3339(fractionDigits: 3))\n")
            }
            if let start = stats.dropRollupStart, let end = stats.dropRollupEnd {
                out.write("drops rollup:  \(start.rfc3339(fractionDigits: 0)) to \(end.rfc3339(fractionDigits: 0)) (whole minutes)\n")
            }
            if let rollups = stats.retention.rollupsStart, rollups != stats.retention.rawFlowsStart {
                out.write("rollups:       pruned before \(rollups.rfc3339(fractionDigits: 3))\n")
            }
            out.write("lost events:   \(stats.lostEvents) (flows Hubble reported as lost)\n")
            for (kind, count) in stats.nonFlowRecords.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                out.write("\(kind.rawValue): \(count)\n")
            }
            let labelSets = stats.labelSets.map { " (\($0) label sets)" } ?? ""
            out.write("endpoints:     \(stats.endpoints)\(labelSets)\n")
            for checkpoint in stats.checkpoints {
                out.write("input:         \(TextEscaping.terminal(checkpoint.path)) at byte \(checkpoint.offset), line \(checkpoint.line)\n")
            }
        }
    }
}

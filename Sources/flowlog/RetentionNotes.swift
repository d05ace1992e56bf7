import FlowlogModel
import FlowlogStore

extension FlowStore {
    /// `query` fitted to what the store still holds after `prune` (window edges in the pruned
    /// period rounded to the rollup's buckets), with the one-line note about it printed on
    /// standard error when there is one — a note, so like every note only on a terminal or with
    /// `verbose` (a cron job over a pruned period mails nothing for it).
    func retained(_ query: FlowQuery, answer: RetentionAnswer, verbose: Bool) throws -> FlowQuery {
        let plan = try retention().plan(query, answer: answer)
        if let note = plan.note { printNote(note, verbose: verbose) }
        return plan.query
    }

    /// How connections (`replay`, a report's policy section) are answered: from the hourly
    /// connection rollup where the store keeps one and the filters allow, else from raw flows.
    func connectionsAnswer(_ query: FlowQuery, withPodAddresses: Bool) throws -> RetentionAnswer {
        try retention().keepsConnectionRollup && query.isServedByDropRollup && query.ports.isEmpty && !withPodAddresses
            ? .rollup(bucketNanos: 3_600_000_000_000) : .rawFlows
    }
}

import FlowlogModel
import FlowlogPolicy
import FlowlogEvaluation

/// Writes what `policy suggest` proved by replay, and how it differs from `--diff DIR`, as text.
public enum SuggestionProofRenderer {
    /// The proof: what would break (each group with its reason), the drops that stay denied,
    /// and how much the suggestion closes.
    public static func render(_ proof: SuggestionProof, suggestion: PolicySuggestion, existingPolicies: Int,
                              to out: inout some TextOutputStream) {
        let replay = proof.replay
        let suggested = suggestion.policies.count
        out.write("proof by replay: \(suggested) suggested \(suggested == 1 ? "policy" : "policies")"
            + (existingPolicies > 0 ? " with \(existingPolicies) in force" : "")
            + ", made from \(suggestion.requestFlows) recorded FORWARDED request \(suggestion.requestFlows == 1 ? "flow" : "flows")\n")
        let breaking = replay.total(.wouldBreak)
        out.write("  would break: \(breaking) recorded FORWARDED \(breaking == 1 ? "flow" : "flows")")
        out.write(breaking == 0 ? "\n" : " (listed below)\n")
        out.write("  drops that stay denied: \(replay.total(.unchangedDenied)); would unblock: \(replay.total(.wouldUnblock))"
            + "; undecided: \(replay.total(.unknown))\n")
        out.write("  allowed as recorded: \(replay.total(.unchangedAllowed)) FORWARDED flows"
            + " (\(replay.notComparable) other records not compared)\n")
        let closure = proof.closure
        out.write("  closes: \(closure.denied) of \(closure.neverRecorded) never-recorded source/destination/port combinations "
            + "between \(closure.workloads) workloads on \(closure.ports) recorded ports denied (\(percent(closure.deniedShare)))"
            + (existingPolicies > 0 ? ", \(closure.closedAgainstBaseline) of them allowed by the policies in force" : "")
            + (closure.sampleStride > 1 ? " (every \(closure.sampleStride)th combination judged)" : "") + "\n")
        for group in proof.breaks {
            out.write("  break: \(group.count) \(group.count == 1 ? "flow" : "flows") \(group.source) → \(group.destination) "
                + "\(PortCount(proto: group.proto, port: group.port, count: group.count)): \(group.explanation)\n")
        }
    }

    /// The difference from an existing policy directory.
    public static func render(_ diff: SuggestionDiff, directory: String, to out: inout some TextOutputStream) {
        out.write("diff against \(directory): \(diff.added.count) added, \(diff.removed.count) removed, "
            + "\(diff.changed.count) changed, \(diff.unchanged.count) unchanged\n")
        for name in diff.added { out.write("  + \(name)\n") }
        for name in diff.removed { out.write("  - \(name)\n") }
        for name in diff.changed { out.write("  ~ \(name)\n") }
        if diff.ciliumPolicies > 0 {
            out.write("  \(diff.ciliumPolicies) Cilium \(diff.ciliumPolicies == 1 ? "policy" : "policies") in \(directory) not compared by name\n")
        }
        out.write("  recorded FORWARDED flows denied: \(diff.existingBreaks) by \(directory), \(diff.suggestionBreaks) by the suggestion\n")
        let closure = diff.closure
        out.write("  never-recorded combinations (\(closure.neverRecorded)): the suggestion denies \(closure.denied) "
            + "(\(percent(closure.deniedShare))); it denies \(closure.closedAgainstBaseline) that \(directory) allows "
            + "and allows \(closure.openedAgainstBaseline) that \(directory) denies\n")
    }

    static func percent(_ share: Double) -> String {
        let tenths = Int((share * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }
}

import FlowlogModel
/// The model's rules in SQL, generated from their Swift definitions so the two cannot drift
/// apart; `SQLRulesTests` evaluates each form against the Swift rule over a table of flows.
///
/// The columns are those of a stored flow row (`verdict`, `event_type`, `protocol`, `is_reply`,
/// `source_port`, `destination_port`); the SQL is plain enough for SQLite and ClickHouse alike.
public enum SQLRules {
    /// ``Flow/countsAsDrop``: DROPPED, and not the policy-verdict twin of a drop event.
    public static let countsAsDrop =
        "(verdict = \(Verdict.dropped.code) AND event_type != \(CiliumEventType.policyVerdict))"

    /// The protocol codes of ``L4Protocol/portBearing``, as an SQL list (`1, 2, 3`).
    public static let portBearingProtocols = L4Protocol.portBearing.map { String($0.rawValue) }.joined(separator: ", ")

    /// ``Flow/connectionPort``: the destination port, a reply's source port, or for port-less
    /// protocols the ICMP type.
    public static let connectionPort = """
        CASE WHEN protocol NOT IN (\(portBearingProtocols)) THEN source_port \
        WHEN is_reply = 1 THEN source_port ELSE destination_port END
        """
}

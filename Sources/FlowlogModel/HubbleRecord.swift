/// One line of Hubble output, decoded.
public enum HubbleRecord: Sendable, Equatable {
    /// A flow (wrapped in `{"flow": …}` or a legacy bare Flow object).
    case flow(Flow)
    /// A `lost_events` record: Hubble could not deliver some events.
    case lostEvents(LostEvents)
    /// A record that is not a flow and is only counted (`node_status`, `agent_event`, `debug_event`).
    case other(NonFlowKind)
}

/// Kinds of Hubble records that are counted but not stored as flows.
public enum NonFlowKind: String, Sendable, CaseIterable {
    case nodeStatus = "node_status"
    case agentEvent = "agent_event"
    case debugEvent = "debug_event"
}

/// Names of `trace_observation_point` values (`flow.proto` enum `TraceObservationPoint`).
public enum TraceObservationPoint {
    package static let names: [(name: String, code: Int32)] = [
        ("UNKNOWN_POINT", 0), ("TO_PROXY", 1), ("TO_HOST", 2), ("TO_STACK", 3), ("TO_OVERLAY", 4),
        ("TO_ENDPOINT", 101), ("FROM_ENDPOINT", 5), ("FROM_PROXY", 6), ("FROM_HOST", 7), ("FROM_STACK", 8),
        ("FROM_OVERLAY", 9), ("FROM_NETWORK", 10), ("TO_NETWORK", 11), ("FROM_CRYPTO", 12), ("TO_CRYPTO", 13),
    ]

    /// The enum name for `code`, or the number when unknown.
    public static func name(_ code: Int32) -> String {
        names.first { $0.code == code }?.name ?? String(code)
    }

    /// The CLI spelling (`to-endpoint`), as `hubble observe` prints it in its TYPE column.
    public static func cliName(_ code: Int32) -> String {
        String(name(code).lowercased().map { $0 == "_" ? "-" : $0 })
    }
}

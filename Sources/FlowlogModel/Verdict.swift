/// What Hubble decided about a flow at its observation point (`flow.proto` enum `Verdict`).
///
/// Values flowlog does not know are kept in ``unknown(_:)`` with their number, never dropped.
public enum Verdict: Sendable, Hashable, CaseIterable {
    case verdictUnknown, forwarded, dropped, error, audit, redirected, traced, translated
    case unknown(Int32)

    public static let allCases: [Verdict] = [
        .verdictUnknown, .forwarded, .dropped, .error, .audit, .redirected, .traced, .translated,
    ]

    /// The enum number used in `flow.proto` and in the store.
    public var code: Int32 {
        switch self {
        case .verdictUnknown: 0
        case .forwarded: 1
        case .dropped: 2
        case .error: 3
        case .audit: 4
        case .redirected: 5
        case .traced: 6
        case .translated: 7
        case .unknown(let code): code
        }
    }

    /// Creates the verdict that has the enum number `code`.
    public init(code: Int32) {
        self = Verdict.allCases.first { $0.code == code } ?? .unknown(code)
    }

    /// The name Hubble writes in JSON (`DROPPED`), or the number for an unknown value.
    public var name: String {
        switch self {
        case .verdictUnknown: "VERDICT_UNKNOWN"
        case .forwarded: "FORWARDED"
        case .dropped: "DROPPED"
        case .error: "ERROR"
        case .audit: "AUDIT"
        case .redirected: "REDIRECTED"
        case .traced: "TRACED"
        case .translated: "TRANSLATED"
        case .unknown(let code): String(code)
        }
    }

    /// Creates the verdict named `name` (case-insensitive), or nil when the name is not a verdict.
    public init?(name: String) {
        let upper = name.uppercased()
        guard let match = Verdict.allCases.first(where: { $0.name == upper }) else { return nil }
        self = match
    }
}

/// Direction of a flow relative to the endpoint where the decision was taken
/// (`flow.proto` enum `TrafficDirection`).
public enum TrafficDirection: Int32, Sendable, Hashable, CaseIterable {
    case unknown = 0, ingress = 1, egress = 2

    /// The name Hubble writes in JSON.
    public var name: String {
        switch self {
        case .unknown: "TRAFFIC_DIRECTION_UNKNOWN"
        case .ingress: "INGRESS"
        case .egress: "EGRESS"
        }
    }

    /// Creates the direction named `name`: the JSON enum name or `ingress` / `egress`, any case.
    public init?(name: String) {
        switch name.uppercased() {
        case "INGRESS": self = .ingress
        case "EGRESS": self = .egress
        case "TRAFFIC_DIRECTION_UNKNOWN", "UNKNOWN": self = .unknown
        default: return nil
        }
    }
}

/// The kind of a flow (`flow.proto` enum `FlowType`, JSON key `Type`).
public enum FlowType: Int32, Sendable, Hashable, CaseIterable {
    case unknown = 0, l3L4 = 1, l7 = 2, sock = 3

    /// The name Hubble writes in JSON.
    public var name: String {
        switch self {
        case .unknown: "UNKNOWN_TYPE"
        case .l3L4: "L3_L4"
        case .l7: "L7"
        case .sock: "SOCK"
        }
    }

    init?(name: String) {
        guard let match = FlowType.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }
}

/// Cilium monitor event types that appear in `event_type.type` (reference §4.6).
public enum CiliumEventType {
    /// A drop notification; `sub_type` is the drop reason.
    public static let drop: Int32 = 1
    /// A trace notification; `sub_type` is the raw observation point.
    public static let trace: Int32 = 4
    /// A policy-verdict notification. A dropped packet often yields one of these and a drop event.
    public static let policyVerdict: Int32 = 5
    /// An L7 access-log record.
    public static let l7: Int32 = 129
}

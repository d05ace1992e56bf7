/// Why Hubble dropped a flow (`flow.proto` enum `DropReason`; the same numbers appear in the
/// deprecated `drop_reason` field and in `event_type.sub_type` of drop events).
///
/// Cilium adds numbers over time, so this is a number with a table of known names rather than a
/// closed enum: an unknown number is kept and printed as itself.
public struct DropReason: RawRepresentable, Sendable, Hashable, Comparable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// No drop reason (`DROP_REASON_UNKNOWN`).
    public static let unknown = DropReason(rawValue: 0)
    /// No allow rule matched: the default-deny of a NetworkPolicy.
    public static let policyDenied = DropReason(rawValue: 133)
    /// An explicit deny rule matched.
    public static let policyDeny = DropReason(rawValue: 181)

    public static func < (lhs: DropReason, rhs: DropReason) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The enum name (`POLICY_DENIED`), or the number when the name is not known.
    public var name: String { DropReason.table[rawValue]?.name ?? String(rawValue) }

    /// The text `hubble observe` prints in its TYPE column (`Policy denied`); the name when it has none.
    public var text: String {
        guard let entry = DropReason.table[rawValue], !entry.text.isEmpty else { return name }
        return entry.text
    }

    /// The largest number ``init(name:)`` accepts (the proto enum is a non-negative 32-bit value).
    public static let maximumCode = Int32.max

    /// Creates the reason named `name` (case-insensitive) or numbered `name` (0 or more); nil when
    /// neither. A negative number is refused: no drop reason has one, so such a filter could only
    /// be a typing mistake that silently matches nothing.
    public init?(name: String) {
        if let number = Int32(name) {
            guard number >= 0 else { return nil }
            self.init(rawValue: number)
            return
        }
        let upper = name.uppercased()
        guard let entry = DropReason.table.first(where: { $0.value.name == upper }) else { return nil }
        self.init(rawValue: entry.key)
    }

    package static let table: [Int32: (name: String, text: String)] = [
        0: ("DROP_REASON_UNKNOWN", ""),
        130: ("INVALID_SOURCE_MAC", "Invalid source mac"),
        131: ("INVALID_DESTINATION_MAC", "Invalid destination mac"),
        132: ("INVALID_SOURCE_IP", "Invalid source ip"),
        133: ("POLICY_DENIED", "Policy denied"),
        134: ("INVALID_PACKET_DROPPED", "Invalid packet"),
        135: ("CT_TRUNCATED_OR_INVALID_HEADER", "CT: Truncated or invalid header"),
        136: ("CT_MISSING_TCP_ACK_FLAG", "Fragmentation needed"),
        137: ("CT_UNKNOWN_L4_PROTOCOL", "CT: Unknown L4 protocol"),
        138: ("CT_CANNOT_CREATE_ENTRY_FROM_PACKET", "CT: Can't create entry from packet"),
        139: ("UNSUPPORTED_L3_PROTOCOL", "Unsupported L3 protocol"),
        140: ("MISSED_TAIL_CALL", "Missed tail call"),
        141: ("ERROR_WRITING_TO_PACKET", "Error writing to packet"),
        142: ("UNKNOWN_L4_PROTOCOL", "Unknown L4 protocol"),
        143: ("UNKNOWN_ICMPV4_CODE", "Unknown ICMPv4 code"),
        144: ("UNKNOWN_ICMPV4_TYPE", "Unknown ICMPv4 type"),
        145: ("UNKNOWN_ICMPV6_CODE", "Unknown ICMPv6 code"),
        146: ("UNKNOWN_ICMPV6_TYPE", "Unknown ICMPv6 type"),
        147: ("ERROR_RETRIEVING_TUNNEL_KEY", "Error retrieving tunnel key"),
        148: ("ERROR_RETRIEVING_TUNNEL_OPTIONS", ""),
        149: ("INVALID_GENEVE_OPTION", ""),
        150: ("UNKNOWN_L3_TARGET_ADDRESS", "Unknown L3 target address"),
        151: ("STALE_OR_UNROUTABLE_IP", "Stale or unroutable IP"),
        152: ("NO_MATCHING_LOCAL_CONTAINER_FOUND", ""),
        153: ("ERROR_WHILE_CORRECTING_L3_CHECKSUM", ""),
        154: ("ERROR_WHILE_CORRECTING_L4_CHECKSUM", ""),
        155: ("CT_MAP_INSERTION_FAILED", "CT: Map insertion failed"),
        156: ("INVALID_IPV6_EXTENSION_HEADER", ""),
        157: ("IP_FRAGMENTATION_NOT_SUPPORTED", ""),
        158: ("SERVICE_BACKEND_NOT_FOUND", "Service backend not found"),
        160: ("NO_TUNNEL_OR_ENCAPSULATION_ENDPOINT", ""),
        161: ("FAILED_TO_INSERT_INTO_PROXYMAP", ""),
        162: ("REACHED_EDT_RATE_LIMITING_DROP_HORIZON", ""),
        163: ("UNKNOWN_CONNECTION_TRACKING_STATE", ""),
        164: ("LOCAL_HOST_IS_UNREACHABLE", ""),
        165: ("NO_CONFIGURATION_AVAILABLE_TO_PERFORM_POLICY_DECISION", ""),
        166: ("UNSUPPORTED_L2_PROTOCOL", ""),
        167: ("NO_MAPPING_FOR_NAT_MASQUERADE", ""),
        168: ("UNSUPPORTED_PROTOCOL_FOR_NAT_MASQUERADE", ""),
        169: ("FIB_LOOKUP_FAILED", ""),
        170: ("ENCAPSULATION_TRAFFIC_IS_PROHIBITED", ""),
        171: ("INVALID_IDENTITY", ""),
        172: ("UNKNOWN_SENDER", ""),
        173: ("NAT_NOT_NEEDED", ""),
        174: ("IS_A_CLUSTERIP", ""),
        175: ("FIRST_LOGICAL_DATAGRAM_FRAGMENT_NOT_FOUND", ""),
        176: ("FORBIDDEN_ICMPV6_MESSAGE", ""),
        177: ("DENIED_BY_LB_SRC_RANGE_CHECK", ""),
        178: ("SOCKET_LOOKUP_FAILED", ""),
        179: ("SOCKET_ASSIGN_FAILED", ""),
        180: ("PROXY_REDIRECTION_NOT_SUPPORTED_FOR_PROTOCOL", ""),
        181: ("POLICY_DENY", "Policy denied by denylist"),
        182: ("VLAN_FILTERED", ""),
        183: ("INVALID_VNI", ""),
        184: ("INVALID_TC_BUFFER", ""),
        185: ("NO_SID", ""),
        186: ("MISSING_SRV6_STATE", ""),
        187: ("NAT46", ""),
        188: ("NAT64", ""),
        189: ("AUTH_REQUIRED", "Authentication required"),
        190: ("CT_NO_MAP_FOUND", ""),
        191: ("SNAT_NO_MAP_FOUND", ""),
        192: ("INVALID_CLUSTER_ID", ""),
        193: ("UNSUPPORTED_PROTOCOL_FOR_DSR_ENCAP", ""),
        194: ("NO_EGRESS_GATEWAY", ""),
        195: ("UNENCRYPTED_TRAFFIC", "Traffic is unencrypted"),
        196: ("TTL_EXCEEDED", ""),
        197: ("NO_NODE_ID", ""),
        198: ("DROP_RATE_LIMITED", ""),
        199: ("IGMP_HANDLED", ""),
        200: ("IGMP_SUBSCRIBED", ""),
        201: ("MULTICAST_HANDLED", ""),
        202: ("DROP_HOST_NOT_READY", ""),
        203: ("DROP_EP_NOT_READY", ""),
        204: ("DROP_NO_EGRESS_IP", ""),
        205: ("DROP_PUNT_PROXY", ""),
    ]
}

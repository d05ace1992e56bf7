/// The layer-4 protocol of a flow: which member of the `l4` oneof was present.
public enum L4Protocol: Int32, Sendable, Hashable, CaseIterable {
    case none = 0, tcp = 1, udp = 2, sctp = 3, icmpv4 = 4, icmpv6 = 5, vrrp = 6, igmp = 7

    /// The JSON key of the `l4` member (`TCP`, `ICMPv4`, …), empty for ``none``.
    public var jsonKey: String {
        switch self {
        case .none: ""
        case .tcp: "TCP"
        case .udp: "UDP"
        case .sctp: "SCTP"
        case .icmpv4: "ICMPv4"
        case .icmpv6: "ICMPv6"
        case .vrrp: "VRRP"
        case .igmp: "IGMP"
        }
    }

    /// The protocols whose `l4` member has ports (`source_port`, `destination_port`).
    public static let portBearing: [L4Protocol] = [.tcp, .udp, .sctp]

    /// Whether the protocol has ports (one of ``portBearing``).
    public var hasPorts: Bool { self == .tcp || self == .udp || self == .sctp }

    /// Creates the protocol named `name` as the CLI spells it (`tcp`, `icmpv4`, any case), or nil.
    public init?(name: String) {
        let lower = name.lowercased()
        if lower == "icmp" { self = .icmpv4; return }
        guard let match = L4Protocol.allCases.first(where: { $0.jsonKey.lowercased() == lower && $0 != .none })
        else { return nil }
        self = match
    }
}

/// TCP flags as a bit set, in the order Hubble prints them.
public struct TCPFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let fin = TCPFlags(rawValue: 1 << 0)
    public static let syn = TCPFlags(rawValue: 1 << 1)
    public static let rst = TCPFlags(rawValue: 1 << 2)
    public static let psh = TCPFlags(rawValue: 1 << 3)
    public static let ack = TCPFlags(rawValue: 1 << 4)
    public static let urg = TCPFlags(rawValue: 1 << 5)
    public static let ece = TCPFlags(rawValue: 1 << 6)
    public static let cwr = TCPFlags(rawValue: 1 << 7)
    public static let ns = TCPFlags(rawValue: 1 << 8)

    /// Flag names as JSON keys, in bit order.
    public static let names: [(flag: TCPFlags, name: String)] = [
        (.fin, "FIN"), (.syn, "SYN"), (.rst, "RST"), (.psh, "PSH"), (.ack, "ACK"),
        (.urg, "URG"), (.ece, "ECE"), (.cwr, "CWR"), (.ns, "NS"),
    ]
}

/// The layer-4 part of a flow. For ICMP, the ports hold the ICMP type and code.
public struct Layer4: Sendable, Hashable {
    public var proto: L4Protocol
    /// Source port, or the ICMP/VRRP/IGMP type.
    public var sourcePort: UInt16
    /// Destination port, or the ICMP code.
    public var destinationPort: UInt16
    public var tcpFlags: TCPFlags

    public init(proto: L4Protocol = .none, sourcePort: UInt16 = 0, destinationPort: UInt16 = 0, tcpFlags: TCPFlags = []) {
        self.proto = proto
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.tcpFlags = tcpFlags
    }
}

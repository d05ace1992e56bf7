import FlowlogModel
import FlowlogStore
import FlowlogPolicy
import FlowlogEvaluation
/// Drops of one source group towards one destination group.
public struct DropGroup: Sendable, Hashable {
    public var source: String
    public var destination: String
    public var count: Int64
    public var firstSeen: Timestamp
    public var lastSeen: Timestamp
    /// Destination ports (or ICMP types) with their counts, most dropped first.
    public var ports: [PortCount]
    /// Drop reasons with their counts, most frequent first.
    public var reasons: [ReasonCount]
}

public struct PortCount: Sendable, Hashable, CustomStringConvertible {
    public var proto: L4Protocol
    public var port: UInt16
    public var count: Int64

    /// `TCP/5432`, `ICMPv4 type 8`, or the protocol alone.
    public var description: String {
        switch proto {
        case .tcp, .udp, .sctp: "\(proto.jsonKey)/\(port)"
        case .icmpv4, .icmpv6: "\(proto.jsonKey) type \(port)"
        case .none: "other"
        default: proto.jsonKey
        }
    }
}

public struct ReasonCount: Sendable, Hashable {
    public var reason: DropReason
    public var count: Int64
}

/// The answer to `flowlog drops`: groups sorted by count, then by source and destination.
public struct DropReport: Sendable, Hashable {
    public var grouping: EndpointGrouping
    public var groups: [DropGroup]
    /// Drops in all groups, before `--top` cut the list.
    public var totalDrops: Int64
    /// Groups before `--top` cut the list.
    public var totalGroups: Int
}

/// Merges store drop counts into report groups.
public enum DropAggregator {
    /// Groups `counts` by the endpoint keys of `grouping`; keeps the `top` largest groups.
    public static func report(_ counts: [DropCount], by grouping: EndpointGrouping, top: Int? = nil) -> DropReport {
        struct Accumulator {
            var count: Int64 = 0
            var first = Timestamp(rawValue: .max)
            var last = Timestamp(rawValue: .min)
            var ports: [PortKey: Int64] = [:]
            var reasons: [DropReason: Int64] = [:]
        }
        struct PortKey: Hashable { var proto: L4Protocol, port: UInt16 }
        struct PairKey: Hashable { var source: String, destination: String }

        var keyCache: [Endpoint: String] = [:]
        func key(_ endpoint: Endpoint) -> String {
            if let cached = keyCache[endpoint] { return cached }
            let value = grouping.key(for: endpoint)
            keyCache[endpoint] = value
            return value
        }

        var groups: [PairKey: Accumulator] = [:]
        var total: Int64 = 0
        for item in counts {
            let pair = PairKey(source: key(item.source), destination: key(item.destination))
            var accumulator = groups[pair] ?? Accumulator()
            // Saturating: counts come from the store, whose own sums refuse to overflow; only a
            // damaged database could push these past Int64.max, and a display must not trap on it.
            accumulator.count = accumulator.count.saturatingAdd(item.count)
            accumulator.first = min(accumulator.first, item.firstSeen)
            accumulator.last = max(accumulator.last, item.lastSeen)
            let portKey = PortKey(proto: item.proto, port: item.port)
            accumulator.ports[portKey] = (accumulator.ports[portKey] ?? 0).saturatingAdd(item.count)
            accumulator.reasons[item.reason] = (accumulator.reasons[item.reason] ?? 0).saturatingAdd(item.count)
            groups[pair] = accumulator
            total = total.saturatingAdd(item.count)
        }
        var result = groups.map { pair, value in
            DropGroup(
                source: pair.source, destination: pair.destination, count: value.count,
                firstSeen: value.first, lastSeen: value.last,
                ports: value.ports.map { PortCount(proto: $0.key.proto, port: $0.key.port, count: $0.value) }
                    .sorted { ($1.count, $0.proto.rawValue, $0.port) < ($0.count, $1.proto.rawValue, $1.port) },
                reasons: value.reasons.map { ReasonCount(reason: $0.key, count: $0.value) }
                    .sorted { ($1.count, $0.reason) < ($0.count, $1.reason) })
        }
        result.sort { ($1.count, $0.source, $0.destination) < ($0.count, $1.source, $1.destination) }
        let totalGroups = result.count
        if let top, top >= 0, result.count > top { result.removeLast(result.count - top) }
        return DropReport(grouping: grouping, groups: result, totalDrops: total, totalGroups: totalGroups)
    }
}

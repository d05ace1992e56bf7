import FlowlogModel
/// The filter flags of `observe`, `drops` and `replay` as the command line gives them (text),
/// read into one ``FlowQuery``.
///
/// The reading lives here rather than in the executable so that it has one definition, is
/// tested without a process, and is fuzzed (Fuzz/FlowQueryFlagsTarget.swift): no flag value,
/// however odd, may trap.
public struct FlowQueryFlags: Sendable, Hashable {
    public var namespace: [String] = []
    public var fromNamespace: [String] = []
    public var toNamespace: [String] = []
    public var pod: [String] = []
    public var fromPod: [String] = []
    public var toPod: [String] = []
    public var label: [String] = []
    public var fromLabel: [String] = []
    public var toLabel: [String] = []
    public var verdict: [String] = []
    public var dropReason: [String] = []
    public var protocolName: [String] = []
    public var port: [String] = []
    public var fromIP: [String] = []
    public var toIP: [String] = []
    public var node: [String] = []
    public var trafficDirection: [String] = []
    public var since: String?
    public var until: String?
    public var fromPort: [String] = []
    public var toPort: [String] = []
    public var ip: [String] = []
    public var type: [String] = []
    public var identity: [String] = []
    public var fromIdentity: [String] = []
    public var toIdentity: [String] = []
    public var fqdn: [String] = []
    public var fromFQDN: [String] = []
    public var toFQDN: [String] = []
    public var workload: [String] = []
    public var fromWorkload: [String] = []
    public var toWorkload: [String] = []
    public var uuid: [String] = []
    public var tcpFlags: [String] = []
    /// The flags that followed `--not` (their values), read into the query's one exclusion.
    /// At most one element; `since`/`until` are refused there (they are not filters in hubble).
    public var negated: [FlowQueryFlags] = []

    public init() {}

    /// The one query all the flags describe, with durations counted back from `now`.
    ///
    /// - Throws: ``FlowQueryFlagError`` naming the first flag whose value cannot be read, or whose
    ///   time is out of range.
    public func query(now: Timestamp) throws(FlowQueryFlagError) -> FlowQuery {
        var query = FlowQuery()
        query.either = EndpointFilter(namespaces: namespace, pods: pod.map(PodFilter.init(parsing:)),
                                      labels: try label.map { text throws(FlowQueryFlagError) in try Self.selector(text, flag: "--label") })
        query.source = EndpointFilter(namespaces: fromNamespace, pods: fromPod.map(PodFilter.init(parsing:)),
                                      labels: try fromLabel.map { text throws(FlowQueryFlagError) in try Self.selector(text, flag: "--from-label") })
        query.destination = EndpointFilter(namespaces: toNamespace, pods: toPod.map(PodFilter.init(parsing:)),
                                           labels: try toLabel.map { text throws(FlowQueryFlagError) in try Self.selector(text, flag: "--to-label") })
        query.verdicts = try verdict.map { text throws(FlowQueryFlagError) in
            guard let value = Verdict(name: text) else {
                throw FlowQueryFlagError(flag: "--verdict", message: "unknown verdict \(Self.quoted(text)); use one of "
                                         + Verdict.allCases.dropFirst().map(\.name).joined(separator: ", "))
            }
            return value
        }
        query.dropReasons = try dropReason.map { text throws(FlowQueryFlagError) in
            guard let value = DropReason(name: text) else {
                throw FlowQueryFlagError(flag: "--drop-reason", message: "unknown drop reason \(Self.quoted(text)) "
                                         + "(use a name like POLICY_DENIED or a number 0 or more, such as 133)")
            }
            return value
        }
        query.protocols = try protocolName.map { text throws(FlowQueryFlagError) in
            guard let value = L4Protocol(name: text) else {
                throw FlowQueryFlagError(flag: "--protocol", message: "unknown protocol \(Self.quoted(text)); "
                                         + "use tcp, udp, sctp, icmp, icmpv4, icmpv6, vrrp or igmp")
            }
            return value
        }
        query.ports = try port.map { text throws(FlowQueryFlagError) in
            guard let value = UInt16(text) else {
                throw FlowQueryFlagError(flag: "--port", message: "\(Self.quoted(text)) is not a port number (0-65535)")
            }
            return value
        }
        query.sourceIPs = try fromIP.map { text throws(FlowQueryFlagError) in try Self.cidr(text, flag: "--from-ip") }
        query.destinationIPs = try toIP.map { text throws(FlowQueryFlagError) in try Self.cidr(text, flag: "--to-ip") }
        query.nodes = node
        query.trafficDirections = try trafficDirection.map { text throws(FlowQueryFlagError) in
            guard let value = TrafficDirection(name: text), value != .unknown else {
                throw FlowQueryFlagError(flag: "--traffic-direction", message: "\(Self.quoted(text)) is not ingress or egress")
            }
            return value
        }
        if let since { query.since = try Self.time(since, flag: "--since", now: now) }
        if let until { query.until = try Self.time(until, flag: "--until", now: now) }
        try readHubbleFlags(into: &query)
        for negation in negated {
            if negation.since != nil || negation.until != nil || !negation.negated.isEmpty {
                throw FlowQueryFlagError(flag: "--not", message: "negates a filter flag; --since and --until cannot follow it")
            }
            query.exclusions.append(try negation.query(now: now))
        }
        return query
    }

    /// Reads a `--since`-style value for `flag`.
    /// - Throws: ``FlowQueryFlagError`` with the flag's name and ``TimeBoundError``'s message.
    public static func time(_ text: String, flag: String, now: Timestamp) throws(FlowQueryFlagError) -> Timestamp {
        do {
            return try TimeBound.resolve(text, now: now)
        } catch {
            throw FlowQueryFlagError(flag: flag, message: error.description)
        }
    }

    private static func selector(_ text: String, flag: String) throws(FlowQueryFlagError) -> LabelSelector {
        do {
            return try LabelSelector(parsing: text)
        } catch {
            throw FlowQueryFlagError(flag: flag, message: error.description)
        }
    }

    static func cidr(_ text: String, flag: String) throws(FlowQueryFlagError) -> CIDR {
        guard let value = CIDR(text) else {
            throw FlowQueryFlagError(flag: flag, message: "\(quoted(text)) is not an IP address or CIDR")
        }
        return value
    }

    /// A flag value in quotes, safe to print.
    static func quoted(_ text: String) -> String { "\"" + TextEscaping.terminal(text) + "\"" }
}

/// A filter flag whose value cannot be used; the CLI turns it into a usage error (exit 64).
public struct FlowQueryFlagError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The flag as typed on the command line (`--since`).
    public var flag: String
    public var message: String

    public init(flag: String, message: String) {
        self.flag = flag
        self.message = message
    }

    /// `--flag: message`.
    public var description: String { "\(flag): \(message)" }
}

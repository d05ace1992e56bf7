import ArgumentParser
import FlowlogCore

/// The filters shared by `observe`, `drops` and `replay`, named as in `hubble observe`.
/// Values of one flag are alternatives; different flags must all hold.
struct FilterOptions: ParsableArguments {
    @Option(name: [.customShort("n"), .long], help: ArgumentHelp("Flows with either side in this namespace.", valueName: "namespace"))
    var namespace: [String] = []
    @Option(name: .customLong("from-namespace"), help: ArgumentHelp("Flows from this namespace.", valueName: "namespace"))
    var fromNamespace: [String] = []
    @Option(name: .customLong("to-namespace"), help: ArgumentHelp("Flows to this namespace.", valueName: "namespace"))
    var toNamespace: [String] = []

    @Option(help: ArgumentHelp("Flows with either side a pod: [namespace/]name-prefix (namespace default: default).", valueName: "pod"))
    var pod: [String] = []
    @Option(name: .customLong("from-pod"), help: ArgumentHelp("Flows from this pod: [namespace/]name-prefix.", valueName: "pod"))
    var fromPod: [String] = []
    @Option(name: .customLong("to-pod"), help: ArgumentHelp("Flows to this pod: [namespace/]name-prefix.", valueName: "pod"))
    var toPod: [String] = []

    @Option(name: [.customShort("l"), .long], help: ArgumentHelp(
        "Flows with either side matching a label selector (app=api, k8s:app=api, 'tier in (web,api)', reserved:world).",
        valueName: "selector"))
    var label: [String] = []
    @Option(name: .customLong("from-label"), help: ArgumentHelp("Flows whose source matches a label selector.", valueName: "selector"))
    var fromLabel: [String] = []
    @Option(name: .customLong("to-label"), help: ArgumentHelp("Flows whose destination matches a label selector.", valueName: "selector"))
    var toLabel: [String] = []

    @Option(help: ArgumentHelp("Verdict: FORWARDED, DROPPED, AUDIT, REDIRECTED, ERROR, TRACED, TRANSLATED.", valueName: "verdict"))
    var verdict: [String] = []
    @Option(name: .customLong("drop-reason"), help: ArgumentHelp("Drop reason name or number (POLICY_DENIED, 133).", valueName: "reason"))
    var dropReason: [String] = []
    @Option(name: .customLong("protocol"), help: ArgumentHelp("L4 protocol: tcp, udp, sctp, icmp, icmpv4, icmpv6.", valueName: "protocol"))
    var protocolName: [String] = []
    @Option(help: ArgumentHelp("Source or destination port.", valueName: "port"))
    var port: [String] = []
    @Option(name: .customLong("from-ip"), help: ArgumentHelp("Source IP or CIDR.", valueName: "ip"))
    var fromIP: [String] = []
    @Option(name: .customLong("to-ip"), help: ArgumentHelp("Destination IP or CIDR.", valueName: "ip"))
    var toIP: [String] = []
    @Option(name: [.customLong("node"), .customLong("node-name")], help: ArgumentHelp("Node name or glob (kind-*).", valueName: "node"))
    var node: [String] = []
    @Option(name: .customLong("traffic-direction"), help: ArgumentHelp("ingress or egress.", valueName: "direction"))
    var trafficDirection: [String] = []

    @Option(help: ArgumentHelp("Flows since a time: a duration ago (90m, 24h, 7d) or RFC 3339.", valueName: "time"))
    var since: String?
    @Option(help: ArgumentHelp("Flows before a time: a duration ago (90m, 24h, 7d) or RFC 3339.", valueName: "time"))
    var until: String?

    func validate() throws {
        _ = try query(now: Timestamp(rawValue: 0))
    }

    /// The one query value all the flags describe.
    /// - Throws: `ValidationError` naming the flag and value that could not be read.
    func query(now: Timestamp) throws -> FlowQuery {
        var query = FlowQuery()
        query.either = EndpointFilter(namespaces: namespace, pods: pod.map(PodFilter.init(parsing:)),
                                      labels: try label.map { try selector($0, flag: "--label") })
        query.source = EndpointFilter(namespaces: fromNamespace, pods: fromPod.map(PodFilter.init(parsing:)),
                                      labels: try fromLabel.map { try selector($0, flag: "--from-label") })
        query.destination = EndpointFilter(namespaces: toNamespace, pods: toPod.map(PodFilter.init(parsing:)),
                                           labels: try toLabel.map { try selector($0, flag: "--to-label") })
        query.verdicts = try verdict.map { text in
            guard let value = Verdict(name: text) else {
                throw ValidationError("--verdict: unknown verdict \"\(text)\"; use one of \(Verdict.allCases.dropFirst().map(\.name).joined(separator: ", "))")
            }
            return value
        }
        query.dropReasons = try dropReason.map { text in
            guard let value = DropReason(name: text) else {
                throw ValidationError("--drop-reason: unknown drop reason \"\(text)\" (use a name like POLICY_DENIED or a number)")
            }
            return value
        }
        query.protocols = try protocolName.map { text in
            guard let value = L4Protocol(name: text) else {
                throw ValidationError("--protocol: unknown protocol \"\(text)\"; use tcp, udp, sctp, icmp, icmpv4, icmpv6, vrrp or igmp")
            }
            return value
        }
        query.ports = try port.map { text in
            guard let value = UInt16(text) else { throw ValidationError("--port: \"\(text)\" is not a port number (0-65535)") }
            return value
        }
        query.sourceIPs = try fromIP.map { try cidr($0, flag: "--from-ip") }
        query.destinationIPs = try toIP.map { try cidr($0, flag: "--to-ip") }
        query.nodes = node
        query.trafficDirections = try trafficDirection.map { text in
            guard let value = TrafficDirection(name: text), value != .unknown else {
                throw ValidationError("--traffic-direction: \"\(text)\" is not ingress or egress")
            }
            return value
        }
        if let since {
            guard let value = TimeBound.parse(since, now: now) else {
                throw ValidationError("--since: \"\(since)\" is neither a duration (90m, 24h, 7d) nor an RFC 3339 time")
            }
            query.since = value
        }
        if let until {
            guard let value = TimeBound.parse(until, now: now) else {
                throw ValidationError("--until: \"\(until)\" is neither a duration (90m, 24h, 7d) nor an RFC 3339 time")
            }
            query.until = value
        }
        return query
    }

    private func selector(_ text: String, flag: String) throws -> LabelSelector {
        do {
            return try LabelSelector(parsing: text)
        } catch {
            throw ValidationError("\(flag): \(error)")
        }
    }

    private func cidr(_ text: String, flag: String) throws -> CIDR {
        guard let value = CIDR(text) else { throw ValidationError("\(flag): \"\(text)\" is not an IP address or CIDR") }
        return value
    }
}

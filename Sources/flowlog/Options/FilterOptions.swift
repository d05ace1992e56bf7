import FlowlogModel
import FlowlogStore
import FlowlogIngest
import FlowlogPolicy
import FlowlogEvaluation
import FlowlogReporting
import ArgumentParser

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
        _ = try query(now: now())
    }

    /// The flags' text, for the one reader in FlowlogCore.
    var flags: FlowQueryFlags {
        var flags = FlowQueryFlags()
        flags.namespace = namespace
        flags.fromNamespace = fromNamespace
        flags.toNamespace = toNamespace
        flags.pod = pod
        flags.fromPod = fromPod
        flags.toPod = toPod
        flags.label = label
        flags.fromLabel = fromLabel
        flags.toLabel = toLabel
        flags.verdict = verdict
        flags.dropReason = dropReason
        flags.protocolName = protocolName
        flags.port = port
        flags.fromIP = fromIP
        flags.toIP = toIP
        flags.node = node
        flags.trafficDirection = trafficDirection
        flags.since = since
        flags.until = until
        return flags
    }

    /// The one query value all the flags describe.
    /// - Throws: `ValidationError` (exit 64) naming the flag and value that could not be read.
    func query(now: Timestamp) throws -> FlowQuery {
        do {
            return try flags.query(now: now)
        } catch {
            throw ValidationError(error.description)
        }
    }
}

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

    @Option(help: ArgumentHelp("Verdict, any case: forwarded, dropped, audit, redirected, error, traced, translated.",
                               valueName: "verdict"))
    var verdict: [String] = []
    @Option(name: [.customLong("drop-reason"), .customLong("drop-reason-desc")], help: ArgumentHelp("Drop reason name or number (POLICY_DENIED, 133).", valueName: "reason"))
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
    @Option(name: .customLong("traffic-direction"), help: ArgumentHelp("ingress or egress (any case).", valueName: "direction"))
    var trafficDirection: [String] = []

    @Option(help: ArgumentHelp("Flows since a time: a duration ago (90m, 24h, 7d), a date (2026-11-20, midnight UTC) or RFC 3339.",
                               valueName: "time"))
    var since: String?
    @Option(help: ArgumentHelp("Flows before a time: a duration ago (90m, 24h, 7d), a date (2026-11-20, midnight UTC) or RFC 3339.",
                               valueName: "time"))
    var until: String?

    @Option(help: ArgumentHelp("Flows with either address in this IP or CIDR.", valueName: "ip"))
    var ip: [String] = []
    @Option(name: .customLong("from-port"), help: ArgumentHelp("Source port (TCP, UDP, SCTP).", valueName: "port"))
    var fromPort: [String] = []
    @Option(name: .customLong("to-port"), help: ArgumentHelp("Destination port (TCP, UDP, SCTP).", valueName: "port"))
    var toPort: [String] = []
    @Option(name: [.customShort("t"), .customLong("type")], help: ArgumentHelp(
        "Event type[:sub-type]: trace, drop, policy-verdict, l7, capture, trace-sock, recorder or a number "
            + "(trace:to-endpoint, trace:from-network, …). debug and agent events are not flows and are refused.",
        valueName: "type"))
    var type: [String] = []
    @Option(help: ArgumentHelp("Flows with either side of this security identity: a number or a reserved name (world, host, …).",
                               valueName: "identity"))
    var identity: [String] = []
    @Option(name: .customLong("from-identity"), help: ArgumentHelp("Source security identity.", valueName: "identity"))
    var fromIdentity: [String] = []
    @Option(name: .customLong("to-identity"), help: ArgumentHelp("Destination security identity.", valueName: "identity"))
    var toIdentity: [String] = []
    @Option(help: ArgumentHelp("Flows with either side's DNS names matching a pattern (*.example.com; * is any name part).",
                               valueName: "fqdn"))
    var fqdn: [String] = []
    @Option(name: .customLong("from-fqdn"), help: ArgumentHelp("Source DNS name pattern.", valueName: "fqdn"))
    var fromFQDN: [String] = []
    @Option(name: .customLong("to-fqdn"), help: ArgumentHelp("Destination DNS name pattern.", valueName: "fqdn"))
    var toFQDN: [String] = []
    @Option(help: ArgumentHelp("Flows with either side owned by a workload: name, kind/name (Deployment/api) or namespace/name.",
                               valueName: "workload"))
    var workload: [String] = []
    @Option(name: .customLong("from-workload"), help: ArgumentHelp("Source workload: name, kind/name or namespace/name.", valueName: "workload"))
    var fromWorkload: [String] = []
    @Option(name: .customLong("to-workload"), help: ArgumentHelp("Destination workload: name, kind/name or namespace/name.", valueName: "workload"))
    var toWorkload: [String] = []
    @Option(help: ArgumentHelp("The flow with this UUID.", valueName: "uuid"))
    var uuid: [String] = []
    @Option(name: .customLong("tcp-flags"), help: ArgumentHelp(
        "TCP flags all set (SYN, ACK, FIN, RST, PSH, URG, ECE, CWR, NS; comma-separated: all of them; repeated: any of the sets).",
        valueName: "flags"))
    var tcpFlags: [String] = []
    @Flag(name: .customLong("not"), help: "Negate the next filter flag (--not --namespace kube-system), as in hubble observe.")
    var not: Int

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
        flags.ip = ip
        flags.fromPort = fromPort
        flags.toPort = toPort
        flags.type = type
        flags.identity = identity
        flags.fromIdentity = fromIdentity
        flags.toIdentity = toIdentity
        flags.fqdn = fqdn
        flags.fromFQDN = fromFQDN
        flags.toFQDN = toFQDN
        flags.workload = workload
        flags.fromWorkload = fromWorkload
        flags.toWorkload = toWorkload
        flags.uuid = uuid
        flags.tcpFlags = tcpFlags
        return flags
    }

    /// The repeatable filter flags: their spellings and where their values go.
    /// (Computed: key paths are not Sendable, so the table cannot be a stored static.)
    static var filterFlags: [(spellings: [String], values: WritableKeyPath<FlowQueryFlags, [String]>)] { [
        (["--namespace", "-n"], \.namespace), (["--from-namespace"], \.fromNamespace), (["--to-namespace"], \.toNamespace),
        (["--pod"], \.pod), (["--from-pod"], \.fromPod), (["--to-pod"], \.toPod),
        (["--label", "-l"], \.label), (["--from-label"], \.fromLabel), (["--to-label"], \.toLabel),
        (["--verdict"], \.verdict), (["--drop-reason", "--drop-reason-desc"], \.dropReason), (["--protocol"], \.protocolName),
        (["--port"], \.port), (["--from-port"], \.fromPort), (["--to-port"], \.toPort),
        (["--ip"], \.ip), (["--from-ip"], \.fromIP), (["--to-ip"], \.toIP),
        (["--node", "--node-name"], \.node), (["--traffic-direction"], \.trafficDirection),
        (["--type", "-t"], \.type), (["--identity"], \.identity), (["--from-identity"], \.fromIdentity),
        (["--to-identity"], \.toIdentity), (["--fqdn"], \.fqdn), (["--from-fqdn"], \.fromFQDN), (["--to-fqdn"], \.toFQDN),
        (["--workload"], \.workload), (["--from-workload"], \.fromWorkload), (["--to-workload"], \.toWorkload),
        (["--uuid"], \.uuid), (["--tcp-flags"], \.tcpFlags),
    ] }

    /// The flags with the values that followed `--not` moved into ``FlowQueryFlags/negated``;
    /// their order is read from `arguments` (see ``NegatedFlagScan``).
    func flags(arguments: [String]) throws(FlowQueryFlagError) -> FlowQueryFlags {
        var flags = self.flags
        guard not > 0 else { return flags }
        var spellings: [String: String] = [:]
        for entry in Self.filterFlags {
            for spelling in entry.spellings { spellings[spelling] = entry.spellings[0] }
        }
        let negatedOccurrences = try NegatedFlagScan.negatedOccurrences(in: arguments, spellings: spellings)
        guard negatedOccurrences.values.reduce(0, { $0 + $1.count }) == not else {
            throw FlowQueryFlagError(flag: "--not", message: "each --not must come right before a filter flag")
        }
        var negated = FlowQueryFlags()
        for entry in Self.filterFlags {
            guard let indexes = negatedOccurrences[entry.spellings[0]] else { continue }
            let values = flags[keyPath: entry.values]
            flags[keyPath: entry.values] = values.enumerated().filter { !indexes.contains($0.offset) }.map(\.element)
            negated[keyPath: entry.values] = values.enumerated().filter { indexes.contains($0.offset) }.map(\.element)
        }
        flags.negated = [negated]
        return flags
    }

    /// The one query value all the flags describe.
    /// - Throws: `ValidationError` (exit 64) naming the flag and value that could not be read.
    func query(now: Timestamp) throws -> FlowQuery {
        do {
            return try flags(arguments: CommandLine.arguments).query(now: now)
        } catch {
            throw ValidationError(error.description)
        }
    }
}

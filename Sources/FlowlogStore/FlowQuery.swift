import FlowlogModel
/// A pod filter as `hubble observe --pod` takes it: `[namespace/]pod-name-prefix`.
public struct PodFilter: Sendable, Hashable {
    public var namespace: String
    public var namePrefix: String

    public init(namespace: String, namePrefix: String) {
        self.namespace = namespace
        self.namePrefix = namePrefix
    }

    /// Parses `[namespace/]prefix`; without a namespace, `default` is meant (as in hubble).
    public init(parsing text: String) {
        if let slash = text.firstIndex(of: "/") {
            namespace = String(text[..<slash])
            namePrefix = String(text[text.index(after: slash)...])
        } else {
            namespace = "default"
            namePrefix = text
        }
    }

    func matches(_ endpoint: Endpoint) -> Bool {
        !endpoint.podName.isEmpty && endpoint.effectiveNamespace == namespace && endpoint.podName.hasPrefix(namePrefix)
    }
}

/// The endpoint conditions for one side of a flow (or for either side). Values of one kind are
/// alternatives (OR); different kinds must all hold (AND), as with `hubble observe` flags.
public struct EndpointFilter: Sendable, Hashable {
    public var namespaces: [String] = []
    public var pods: [PodFilter] = []
    public var labels: [LabelSelector] = []
    /// Security identity numbers (`--identity`, reserved names already turned into numbers).
    public var identities: [UInt32] = []
    /// Owning workloads (`--workload`).
    public var workloads: [WorkloadFilter] = []

    public init(namespaces: [String] = [], pods: [PodFilter] = [], labels: [LabelSelector] = [],
                identities: [UInt32] = [], workloads: [WorkloadFilter] = []) {
        self.namespaces = namespaces
        self.pods = pods
        self.labels = labels
        self.identities = identities
        self.workloads = workloads
    }

    /// Whether the filter has no condition.
    public var isEmpty: Bool {
        namespaces.isEmpty && pods.isEmpty && labels.isEmpty && identities.isEmpty && workloads.isEmpty
    }

    /// Whether `endpoint` satisfies every condition kind.
    public func matches(_ endpoint: Endpoint) -> Bool {
        if !namespaces.isEmpty, !namespaces.contains(endpoint.effectiveNamespace) { return false }
        if !pods.isEmpty, !pods.contains(where: { $0.matches(endpoint) }) { return false }
        if !labels.isEmpty {
            let parsed = endpoint.parsedLabels
            if !labels.contains(where: { $0.matches(endpointLabels: parsed) }) { return false }
        }
        if !identities.isEmpty, !identities.contains(endpoint.identity) { return false }
        if !workloads.isEmpty, !workloads.contains(where: { $0.matches(endpoint) }) { return false }
        return true
    }
}

/// Every filter a command can apply to stored flows, built once from the command line.
public struct FlowQuery: Sendable, Hashable {
    /// Conditions that either side may satisfy (`--namespace`, `--pod`, `--label`).
    public var either = EndpointFilter()
    /// Conditions on the source (`--from-…`).
    public var source = EndpointFilter()
    /// Conditions on the destination (`--to-…`).
    public var destination = EndpointFilter()
    public var verdicts: [Verdict] = []
    public var dropReasons: [DropReason] = []
    public var protocols: [L4Protocol] = []
    /// Ports on either side (`--port`).
    public var ports: [UInt16] = []
    /// Source ports (`--from-port`) and destination ports (`--to-port`).
    public var sourcePorts: [UInt16] = []
    public var destinationPorts: [UInt16] = []
    /// Addresses on either side (`--ip`).
    public var ips: [CIDR] = []
    public var sourceIPs: [CIDR] = []
    public var destinationIPs: [CIDR] = []
    /// DNS name patterns on either side, the source, the destination (`--fqdn`, `--from-fqdn`, `--to-fqdn`).
    public var names: [FQDNPattern] = []
    public var sourceNames: [FQDNPattern] = []
    public var destinationNames: [FQDNPattern] = []
    /// Cilium monitor event types, optionally with a sub-type (`-t/--type`).
    public var eventTypes: [EventTypeFilter] = []
    /// Flow UUIDs (`--uuid`).
    public var uuids: [FlowUUID] = []
    /// TCP flag sets (`--tcp-flags`): a flow matches when it has every flag of one of the sets.
    public var tcpFlags: [TCPFlags] = []
    /// Queries whose matches are left out (`--not`, which negates the next filter flag); all the
    /// negated flags together form one query, as in hubble, so there is at most one.
    public var exclusions: [FlowQuery] = []
    public var nodes: [String] = []
    public var trafficDirections: [TrafficDirection] = []
    /// Inclusive lower bound.
    public var since: Timestamp?
    /// Exclusive upper bound.
    public var until: Timestamp?

    public init() {}

    /// Whether a flow passes the query, for flows that are not in a store.
    ///
    /// The store evaluates the same conditions in SQL; the tests check that both agree.
    public func matches(_ flow: Flow) -> Bool {
        matchesConditions(flow) && !exclusions.contains { $0.matches(flow) }
    }

    /// Whether the flow passes every condition but the exclusions.
    private func matchesConditions(_ flow: Flow) -> Bool {
        if !either.isEmpty, !either.matches(flow.source), !either.matches(flow.destination) { return false }
        if !source.isEmpty, !source.matches(flow.source) { return false }
        if !destination.isEmpty, !destination.matches(flow.destination) { return false }
        if !verdicts.isEmpty, !verdicts.contains(flow.verdict) { return false }
        if !dropReasons.isEmpty, !dropReasons.contains(flow.dropReason) { return false }
        if !protocols.isEmpty, !protocols.contains(flow.l4.proto) { return false }
        if !ports.isEmpty {
            guard flow.l4.proto.hasPorts,
                  ports.contains(flow.l4.sourcePort) || ports.contains(flow.l4.destinationPort) else { return false }
        }
        if !sourceIPs.isEmpty {
            guard let address = flow.sourceIP, sourceIPs.contains(where: { $0.contains(address) }) else { return false }
        }
        if !destinationIPs.isEmpty {
            guard let address = flow.destinationIP, destinationIPs.contains(where: { $0.contains(address) }) else { return false }
        }
        if !nodes.isEmpty, !nodes.contains(where: { NodePattern.matches($0, flow.nodeName) }) { return false }
        if !trafficDirections.isEmpty, !trafficDirections.contains(flow.trafficDirection) { return false }
        if let since, flow.time < since { return false }
        if let until, flow.time >= until { return false }
        return matchesHubbleConditions(flow)
    }

    /// Whether the only conditions are ones the drop rollup can answer (endpoints, protocol,
    /// drop reason, time, and a verdict list that includes DROPPED); `--port`, which the callers
    /// check themselves, and every condition on a column the rollups do not keep (addresses,
    /// node, direction, names, event type, uuid, TCP flags, exclusions) need the flows.
    /// Identities and workloads are endpoint conditions, which the rollup answers.
    package var isServedByDropRollup: Bool {
        sourceIPs.isEmpty && destinationIPs.isEmpty && nodes.isEmpty && trafficDirections.isEmpty
            && (verdicts.isEmpty || verdicts.contains(.dropped)) && !hasFlowOnlyHubbleConditions
    }
}

/// Node name patterns: exact, or a glob with `*` (as `hubble observe --node-name` takes).
enum NodePattern {
    static func matches(_ pattern: String, _ name: String) -> Bool {
        guard pattern.contains("*") else { return pattern == name }
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        var rest = Substring(name)
        for (index, part) in parts.enumerated() {
            if index == 0 {
                guard rest.hasPrefix(part) else { return false }
                rest = rest.dropFirst(part.count)
            } else if index == parts.count - 1 {
                return part.isEmpty || rest.hasSuffix(part)
            } else if !part.isEmpty {
                guard let range = rest.range(of: part) else { return false }
                rest = rest[range.upperBound...]
            }
        }
        return rest.isEmpty
    }
}

/// A query's time window cut for a rollup with buckets of `bucketNanos`: the whole buckets the
/// rollup answers, and the partial edges (nanosecond ranges) the flows themselves must answer.
///
/// The bounds may be anywhere in `Int64` (a `--since` of 2262 or 1677), so every step is checked:
/// a bucket whose start does not fit in 64 bits holds no representable time before `since` (or
/// after `until`), and the edge simply runs to the end of the range.
package struct BucketedWindow {
    /// Whole buckets `[firstBucket, endBucket)`; empty when `firstBucket >= endBucket`.
    package var firstBucket: Int64
    package var endBucket: Int64
    /// Ranges `[first, last]` of nanoseconds outside the whole buckets, both ends inclusive so
    /// that a range can reach Int64.max (2262-04-11T23:47:16.854775807Z) itself. When there are
    /// no whole buckets there is exactly one range, possibly empty (`first > last`).
    package var edges: [(first: Int64, last: Int64)]

    package var hasWholeBuckets: Bool { firstBucket < endBucket }

    package init(since: Timestamp?, until: Timestamp?, bucketNanos: Int64) {
        // The first bucket that starts at or after `since`: floor, plus one unless exact. The
        // floor of an Int64 by a divisor above 1 is far from Int64.max, so the plus one fits.
        firstBucket = since.map { time in
            let floor = time.rawValue.floorDiv(bucketNanos)
            return time.rawValue % bucketNanos == 0 ? floor : floor &+ 1
        } ?? Int64.min
        endBucket = until.map { $0.rawValue.floorDiv(bucketNanos) } ?? Int64.max
        // `until` is exclusive; the last time before it (none before Int64.min).
        let lastTime: Int64? = until.map { $0.rawValue == Int64.min ? nil : $0.rawValue - 1 } ?? Int64.max
        edges = []
        guard firstBucket < endBucket else {
            // One range, empty (first > last) when nothing lies before `until`.
            edges.append(lastTime.map { (since?.rawValue ?? Int64.min, $0) } ?? (Int64.max, Int64.min))
            return
        }
        if let since {
            // A bucket start past Int64.max means no whole bucket holds a representable time
            // after `since`: the edge runs to the end of time.
            let (start, overflow) = firstBucket.multipliedReportingOverflow(by: bucketNanos)
            if overflow {
                edges.append((since.rawValue, Int64.max))
            } else if since.rawValue < start {
                edges.append((since.rawValue, start - 1))
            }
        }
        if let until, let lastTime {
            // Likewise a start before Int64.min: the edge runs from the start of time.
            let (start, overflow) = endBucket.multipliedReportingOverflow(by: bucketNanos)
            let bucketStart = overflow ? Int64.min : start
            if bucketStart < until.rawValue { edges.append((bucketStart, lastTime)) }
        }
    }
}

import Foundation
import Testing
@testable import FlowlogModel
import FlowlogStore
import FlowlogIngest
import FlowlogTestSupport

/// Flows and reference answers for the contract: what a store must return, computed in Swift from
/// the model's one definition of each rule (``Flow/countsAsDrop``, ``Flow/connectionPort``,
/// ``EndpointKind/needsAddress``, ``FlowQuery/matches(_:)``).
enum ContractData {
    static let hour: Int64 = 3_600_000_000_000

    /// The flows of the bundled sample capture, decoded once per test process.
    static let sample: Result<[Flow], any Error> = Result {
        var decoder = FlowDecoder()
        var flows: [Flow] = []
        for line in try String(contentsOfFile: sampleFlowsPath, encoding: .utf8).split(separator: "\n") {
            if case .flow(let flow)? = try? decoder.decode(String(line)) { flows.append(flow) }
        }
        return flows
    }

    /// The sample's lost-event records (two of them).
    static let sampleLostEvents: Result<[LostEvents], any Error> = Result {
        var decoder = FlowDecoder()
        var events: [LostEvents] = []
        for line in try String(contentsOfFile: sampleFlowsPath, encoding: .utf8).split(separator: "\n") {
            if case .lostEvents(let lost)? = try? decoder.decode(String(line)) { events.append(lost) }
        }
        return events
    }

    /// Writes `flows` (and `lostEvents`) in one batch, requiring that every flow was stored.
    @discardableResult
    static func write(_ flows: [Flow], lostEvents: [LostEvents] = [], to store: any FlowStore,
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> BatchResult {
        var batch = IngestBatch()
        batch.flows = flows
        batch.lostEvents = lostEvents
        let result = try store.write(batch)
        try #require(result.inserted == flows.count && result.conflict == nil, sourceLocation: sourceLocation)
        return result
    }

    /// A store holding the sample capture (flows and lost events).
    static func sampleStore(_ store: any FlowStore) throws -> [Flow] {
        let flows = try sample.get()
        try #require(flows.count == 3499)
        try write(flows, lostEvents: try sampleLostEvents.get(), to: store)
        return flows
    }

    /// A flow at `second` past ``Fixtures/baseSeconds`` with uuid number `uuid` (none when nil).
    static func flow(_ second: Int64, uuid: Int?, verdict: Verdict = .forwarded, policyVerdict: Bool = false,
                     from source: Endpoint = Fixtures.pod("frontend"), to destination: Endpoint = Fixtures.pod("api"),
                     port: UInt16 = 8080) -> Flow {
        var flow = Fixtures.flow(time: Fixtures.baseSeconds + second, verdict: verdict,
                                 reason: verdict == .dropped ? .policyDenied : .unknown, source: source, destination: destination,
                                 l4: Layer4(proto: .tcp, sourcePort: 43512, destinationPort: port))
        flow.uuid = uuid.map { FlowUUID(FlowLines.uuid($0))! }
        flow.eventType = policyVerdict ? CiliumEventType.policyVerdict : (verdict == .dropped ? CiliumEventType.drop : 4)
        return flow
    }

    // MARK: - Reference answers

    static func dropCounts(_ flows: [Flow], matching query: FlowQuery) -> Set<DropCount> {
        struct Key: Hashable { var source: Endpoint, destination: Endpoint, proto: L4Protocol, port: UInt16, reason: DropReason }
        var groups: [Key: DropCount] = [:]
        for flow in flows where flow.countsAsDrop && query.matches(flow) {
            let key = Key(source: flow.source, destination: flow.destination, proto: flow.l4.proto,
                          port: flow.connectionPort, reason: flow.dropReason)
            groups[key, default: DropCount(source: flow.source, destination: flow.destination, proto: flow.l4.proto,
                                           port: flow.connectionPort, reason: flow.dropReason, count: 0,
                                           firstSeen: flow.time, lastSeen: flow.time)].add(flow.time, weight: flow.weight)
        }
        return Set(groups.values)
    }

    static func connectionCounts(_ flows: [Flow], matching query: FlowQuery, withPodAddresses: Bool) -> Set<ConnectionCount> {
        struct Key: Hashable {
            var source: Endpoint, destination: Endpoint, sourceIP: IPAddress?, destinationIP: IPAddress?
            var proto: L4Protocol, port: UInt16, names: [String], isReply: Bool?, verdict: Verdict, reason: DropReason
            var policyVerdict: Bool
        }
        var groups: [Key: ConnectionCount] = [:]
        for flow in flows where query.matches(flow) {
            let sourceIP = withPodAddresses || flow.source.kind.needsAddress ? flow.sourceIP : nil
            let destinationIP = withPodAddresses || flow.destination.kind.needsAddress ? flow.destinationIP : nil
            let key = Key(source: flow.source, destination: flow.destination, sourceIP: sourceIP, destinationIP: destinationIP,
                          proto: flow.l4.proto, port: flow.connectionPort, names: flow.connectionNames, isReply: flow.isReply,
                          verdict: flow.verdict, reason: flow.dropReason, policyVerdict: flow.isPolicyVerdictEvent)
            groups[key, default: ConnectionCount(
                source: flow.source, destination: flow.destination, sourceIP: sourceIP, destinationIP: destinationIP,
                proto: flow.l4.proto, port: flow.connectionPort, names: flow.connectionNames, isReply: flow.isReply,
                verdict: flow.verdict, reason: flow.dropReason, isPolicyVerdictEvent: flow.isPolicyVerdictEvent, count: 0,
                firstSeen: flow.time, lastSeen: flow.time)].add(flow.time, weight: flow.weight)
        }
        return Set(groups.values)
    }

    static func dropsPerHour(_ flows: [Flow], matching query: FlowQuery) -> [Timestamp: Int64] {
        var hours: [Timestamp: Int64] = [:]
        for flow in flows where flow.countsAsDrop && query.matches(flow) {
            hours[Timestamp(rawValue: flow.time.rawValue.floorDiv(hour) * hour), default: 0] += Int64(flow.weight)
        }
        return hours
    }
}

extension DropCount {
    fileprivate mutating func add(_ time: Timestamp, weight: UInt32) {
        count += Int64(weight)
        firstSeen = min(firstSeen, time)
        lastSeen = max(lastSeen, time)
    }
}

extension ConnectionCount {
    fileprivate mutating func add(_ time: Timestamp, weight: UInt32) {
        count += Int64(weight)
        firstSeen = min(firstSeen, time)
        lastSeen = max(lastSeen, time)
    }
}

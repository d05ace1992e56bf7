import Foundation
import Testing
@testable import FlowlogModel
import FlowlogStore
import FlowlogTestSupport

/// Every ``FlowQuery`` filter, answered by the store, agrees with ``FlowQuery/matches(_:)`` over
/// the sample capture: the flows, the drop counts (each dropped packet once), the connection
/// counts and the drops per hour. A backend may answer from rollups; the answers must not differ.
@Suite struct FlowQueryContract {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var query: FlowQuery
        var testDescription: String { name }
    }

    static func query(_ build: (inout FlowQuery) -> Void) -> FlowQuery {
        var query = FlowQuery()
        build(&query)
        return query
    }

    static func selector(_ text: String) -> LabelSelector {
        (try? LabelSelector(parsing: text)) ?? LabelSelector(requirements: [])
    }

    static func time(_ text: String) -> Timestamp? { Timestamp(rfc3339: text) }

    /// One case per filter (and a few combinations); each selects some but not all sample flows.
    static let cases: [Case] = [
        Case(name: "everything", query: FlowQuery()),
        Case(name: "--namespace monitoring --namespace kube-system", query: query {
            $0.either.namespaces = ["monitoring", "kube-system"] }),
        Case(name: "--namespace kube-system", query: query { $0.either.namespaces = ["kube-system"] }),
        Case(name: "--from-namespace monitoring", query: query { $0.source.namespaces = ["monitoring"] }),
        Case(name: "--from-namespace production --to-namespace production", query: query {
            $0.source.namespaces = ["production"]; $0.destination.namespaces = ["production"] }),
        Case(name: "--pod production/api", query: query { $0.either.pods = [PodFilter(parsing: "production/api")] }),
        Case(name: "--from-pod production/test-pod", query: query { $0.source.pods = [PodFilter(parsing: "production/test-pod")] }),
        Case(name: "--to-pod production/database", query: query { $0.destination.pods = [PodFilter(parsing: "production/database")] }),
        Case(name: "--label app=frontend", query: query { $0.either.labels = [selector("app=frontend")] }),
        Case(name: "--from-label k8s:app=api", query: query { $0.source.labels = [selector("k8s:app=api")] }),
        Case(name: "--to-label reserved:world", query: query { $0.destination.labels = [selector("reserved:world")] }),
        Case(name: "--label 'app in (api,database)'", query: query { $0.either.labels = [selector("app in (api,database)")] }),
        Case(name: "--verdict DROPPED", query: query { $0.verdicts = [.dropped] }),
        Case(name: "--verdict FORWARDED", query: query { $0.verdicts = [.forwarded] }),
        Case(name: "--verdict ERROR --verdict DROPPED", query: query { $0.verdicts = [.error, .dropped] }),
        Case(name: "--drop-reason POLICY_DENIED", query: query { $0.dropReasons = [.policyDenied] }),
        Case(name: "--protocol udp", query: query { $0.protocols = [.udp] }),
        Case(name: "--port 5432", query: query { $0.ports = [5432] }),
        Case(name: "--port 53 --protocol tcp", query: query { $0.ports = [53]; $0.protocols = [.tcp] }),
        Case(name: "--from-ip 10.0.0.0/8", query: query { $0.sourceIPs = [CIDR("10.0.0.0/8")!] }),
        Case(name: "--to-ip 203.0.113.0/24", query: query { $0.destinationIPs = [CIDR("203.0.113.0/24")!] }),
        Case(name: "--node prod-worker-2", query: query { $0.nodes = ["prod-worker-2"] }),
        Case(name: "--node 'prod-*-3'", query: query { $0.nodes = ["prod-*-3"] }),
        Case(name: "--traffic-direction ingress", query: query { $0.trafficDirections = [.ingress] }),
        Case(name: "--since 10:30:15.5", query: query { $0.since = time("2026-11-20T10:30:15.5Z") }),
        Case(name: "--until 11:10:00.25", query: query { $0.until = time("2026-11-20T11:10:00.25Z") }),
        Case(name: "--since 10:30:15.5 --until 11:10:00.25", query: query {
            $0.since = time("2026-11-20T10:30:15.5Z"); $0.until = time("2026-11-20T11:10:00.25Z") }),
        Case(name: "--since and --until inside one minute", query: query {
            $0.since = time("2026-11-20T10:41:10Z"); $0.until = time("2026-11-20T10:41:50Z") }),
        Case(name: "--namespace production --verdict DROPPED --to-label app=database", query: query {
            $0.either.namespaces = ["production"]; $0.verdicts = [.dropped]; $0.destination.labels = [selector("app=database")] }),
        Case(name: "--since 10:30 --verdict DROPPED --node 'prod-*'", query: query {
            $0.since = time("2026-11-20T10:30:00Z"); $0.verdicts = [.dropped]; $0.nodes = ["prod-*"] }),
        // hubble observe's further flags (issue #12, item 6).
        Case(name: "--ip 10.0.1.23", query: query { $0.ips = [CIDR("10.0.1.23")!] }),
        Case(name: "--ip 203.0.113.0/24 --ip 10.0.1.4", query: query { $0.ips = [CIDR("203.0.113.0/24")!, CIDR("10.0.1.4")!] }),
        Case(name: "--from-port 53", query: query { $0.sourcePorts = [53] }),
        Case(name: "--to-port 5432 --to-port 53", query: query { $0.destinationPorts = [5432, 53] }),
        Case(name: "--type policy-verdict", query: query { $0.eventTypes = [EventTypeFilter(type: 5)] }),
        Case(name: "--type trace:to-endpoint --type drop", query: query {
            $0.eventTypes = [EventTypeFilter(type: 4, subType: 0), EventTypeFilter(type: 1)] }),
        Case(name: "--type trace:to-overlay", query: query { $0.eventTypes = [EventTypeFilter(type: 4, subType: 4)] }),
        Case(name: "--identity world", query: query { $0.either.identities = [2] }),
        Case(name: "--from-identity 23117 --to-identity world", query: query {
            $0.source.identities = [23117]; $0.destination.identities = [2] }),
        Case(name: "--workload Deployment/api", query: query { $0.either.workloads = [WorkloadFilter(parsing: "Deployment/api")] }),
        Case(name: "--from-workload production/frontend", query: query {
            $0.source.workloads = [WorkloadFilter(parsing: "production/frontend")] }),
        Case(name: "--to-workload database --verdict DROPPED", query: query {
            $0.destination.workloads = [WorkloadFilter(parsing: "database")]; $0.verdicts = [.dropped] }),
        Case(name: "--uuid (two flows)", query: query {
            $0.uuids = [FlowUUID("0cbebe84-f7a4-43fa-b0dd-04ff4196fb30")!, FlowUUID("85F13B58-A9D3-4C53-A5E3-DF0ACDDA02D8")!] }),
        Case(name: "--tcp-flags SYN", query: query { $0.tcpFlags = [.syn] }),
        Case(name: "--tcp-flags SYN,ACK --tcp-flags FIN", query: query { $0.tcpFlags = [[.syn, .ack], .fin] }),
        Case(name: "--not --namespace kube-system", query: query { $0.exclusions = [Self.query { $0.either.namespaces = ["kube-system"] }] }),
        Case(name: "--not --verdict FORWARDED", query: query { $0.exclusions = [Self.query { $0.verdicts = [.forwarded] }] }),
        Case(name: "--namespace production --not --to-port 5432 --not --from-identity 48213", query: query {
            $0.either.namespaces = ["production"]
            $0.exclusions = [Self.query { $0.destinationPorts = [5432]; $0.source.identities = [48213] }] }),
        Case(name: "--since 10:30 --not --drop-reason POLICY_DENIED", query: query {
            $0.since = time("2026-11-20T10:30:00Z"); $0.exclusions = [Self.query { $0.dropReasons = [.policyDenied] }] }),
    ]

    /// The table itself can fail: a case that selects no flow, or all of them, would let a store
    /// that ignores the filter pass.
    @Test(arguments: cases.dropFirst())
    func everyCaseSelectsSomeButNotAllSampleFlows(_ testCase: Case) throws {
        let flows = try ContractData.sample.get()
        let selected = flows.filter(testCase.query.matches).count
        #expect(selected > 0 && selected < flows.count, "\(selected) of \(flows.count)")
    }

    @Test(arguments: StoreBackend.all, cases)
    func storedFlowsAreTheMatchingFlows(_ backend: StoreBackend, _ testCase: Case) throws {
        try backend.withFreshStore { store throws in
            let flows = try ContractData.sampleStore(store)
            let expected = flows.filter(testCase.query.matches).sorted { $0.time < $1.time }
            let actual = try store.flows(matching: testCase.query, last: nil)
            #expect(actual.count == expected.count)
            #expect(Set(actual) == Set(expected))
            #expect(actual.map(\.time) == expected.map(\.time), "oldest first")
        }
    }

    @Test(arguments: StoreBackend.all, cases)
    func rollupAnswersAgreeWithTheFlows(_ backend: StoreBackend, _ testCase: Case) throws {
        try backend.withFreshStore { store throws in
            let flows = try ContractData.sampleStore(store)
            let query = testCase.query
            #expect(Set(try store.dropCounts(matching: query)) == ContractData.dropCounts(flows, matching: query),
                    "dropCounts")
            #expect(try store.dropsPerHour(matching: query) == ContractData.dropsPerHour(flows, matching: query),
                    "dropsPerHour")
            for withPodAddresses in [false, true] {
                #expect(Set(try store.connectionCounts(matching: query, withPodAddresses: withPodAddresses))
                        == ContractData.connectionCounts(flows, matching: query, withPodAddresses: withPodAddresses),
                        "connectionCounts withPodAddresses: \(withPodAddresses)")
            }
        }
    }

    /// Random windows cut hours and minutes anywhere; drops in them are counted exactly.
    @Test(arguments: StoreBackend.all)
    func randomWindowsCountDropsExactly(_ backend: StoreBackend) throws {
        try backend.withFreshStore { store throws in
            let flows = try ContractData.sampleStore(store)
            let start = try #require(Timestamp(rfc3339: "2026-11-20T10:00:00Z"))
            var generator = SystemRandomNumberGenerator()
            for _ in 0..<40 {
                let low = Int64.random(in: 0..<(2 * ContractData.hour), using: &generator)
                let high = low + Int64.random(in: 0..<ContractData.hour, using: &generator)
                var query = FlowQuery()
                query.since = Timestamp(rawValue: start.rawValue + low)
                query.until = Timestamp(rawValue: start.rawValue + high)
                let expected = flows.filter { $0.countsAsDrop && query.matches($0) }.count
                #expect(try store.dropCounts(matching: query).reduce(0) { $0 + $1.count } == Int64(expected),
                        "window \(query.since!) – \(query.until!)")
            }
        }
    }
}

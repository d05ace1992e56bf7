import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
@testable import FlowlogPolicy
@testable import FlowlogEvaluation
@testable import FlowlogReporting

/// The store answers queries in SQL (and drops from a per-minute rollup); `FlowQuery.matches`
/// answers them in memory. On the sample capture both must agree, for every kind of filter.
@Suite struct FlowQueryAgreementTests {
    /// The sample capture, stored once per test process, plus the flows decoded from it. Each
    /// test opens its own connection (a store is used by one thread at a time).
    static let fixture: (path: String, flows: [Flow], directory: TemporaryDirectory) = {
        let directory = try! TemporaryDirectory()
        let path = directory.path("sample.db")
        _ = try! ingest([.file(sampleFlowsPath)], into: path)
        var decoder = FlowDecoder()
        var flows: [Flow] = []
        for line in try! String(contentsOfFile: sampleFlowsPath, encoding: .utf8).split(separator: "\n") {
            if case .flow(let flow)? = try? decoder.decode(String(line)) { flows.append(flow) }
        }
        return (path, flows, directory)
    }()

    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var query: FlowQuery
        var description: String { name }
    }

    static func query(_ build: (inout FlowQuery) -> Void) -> FlowQuery {
        var query = FlowQuery()
        build(&query)
        return query
    }

    static let start = Timestamp(rfc3339: "2026-11-20T10:00:00Z")!

    static let cases: [Case] = [
        Case(name: "everything", query: FlowQuery()),
        Case(name: "--namespace production", query: query { $0.either.namespaces = ["production"] }),
        Case(name: "--namespace kube-system", query: query { $0.either.namespaces = ["kube-system"] }),
        Case(name: "--from-namespace monitoring", query: query { $0.source.namespaces = ["monitoring"] }),
        Case(name: "--to-namespace production --from-namespace production", query: query {
            $0.source.namespaces = ["production"]; $0.destination.namespaces = ["production"] }),
        Case(name: "--pod production/api", query: query { $0.either.pods = [PodFilter(parsing: "production/api")] }),
        Case(name: "--from-pod production/test-pod", query: query { $0.source.pods = [PodFilter(parsing: "production/test-pod")] }),
        Case(name: "--to-pod production/database", query: query { $0.destination.pods = [PodFilter(parsing: "production/database")] }),
        Case(name: "--label app=frontend", query: query { $0.either.labels = [try! LabelSelector(parsing: "app=frontend")] }),
        Case(name: "--from-label k8s:app=api", query: query { $0.source.labels = [try! LabelSelector(parsing: "k8s:app=api")] }),
        Case(name: "--to-label reserved:world", query: query { $0.destination.labels = [try! LabelSelector(parsing: "reserved:world")] }),
        Case(name: "--label 'app in (api,database)'", query: query { $0.either.labels = [try! LabelSelector(parsing: "app in (api,database)")] }),
        Case(name: "--verdict DROPPED", query: query { $0.verdicts = [.dropped] }),
        Case(name: "--verdict FORWARDED --verdict DROPPED", query: query { $0.verdicts = [.forwarded, .dropped] }),
        Case(name: "--drop-reason POLICY_DENIED", query: query { $0.dropReasons = [.policyDenied] }),
        Case(name: "--protocol udp", query: query { $0.protocols = [.udp] }),
        Case(name: "--port 5432", query: query { $0.ports = [5432] }),
        Case(name: "--port 53 --protocol tcp", query: query { $0.ports = [53]; $0.protocols = [.tcp] }),
        Case(name: "--from-ip 10.0.0.0/8", query: query { $0.sourceIPs = [CIDR("10.0.0.0/8")!] }),
        Case(name: "--to-ip 203.0.113.0/24", query: query { $0.destinationIPs = [CIDR("203.0.113.0/24")!] }),
        Case(name: "--to-ip 198.51.100.1", query: query { $0.destinationIPs = [CIDR("198.51.100.1")!] }),
        Case(name: "--node prod-worker-2", query: query { $0.nodes = ["prod-worker-2"] }),
        Case(name: "--node 'prod-*-3'", query: query { $0.nodes = ["prod-*-3"] }),
        Case(name: "--traffic-direction ingress", query: query { $0.trafficDirections = [.ingress] }),
        Case(name: "--since 10:30:15.5 --until 11:10:00.25", query: query {
            $0.since = Timestamp(rfc3339: "2026-11-20T10:30:15.5Z"); $0.until = Timestamp(rfc3339: "2026-11-20T11:10:00.25Z") }),
        Case(name: "--since inside one minute", query: query {
            $0.since = Timestamp(rfc3339: "2026-11-20T10:41:10Z"); $0.until = Timestamp(rfc3339: "2026-11-20T10:41:50Z") }),
        Case(name: "--namespace production --verdict DROPPED --to-label app=database", query: query {
            $0.either.namespaces = ["production"]; $0.verdicts = [.dropped]
            $0.destination.labels = [try! LabelSelector(parsing: "app=database")] }),
    ]

    @Test(arguments: cases)
    func storedFlowsMatchTheInMemoryFilter(_ testCase: Case) throws {
        let (path, flows, _) = Self.fixture
        let store = try SQLiteFlowStore(path: path)
        let expected = Set(flows.filter { testCase.query.matches($0) }.compactMap(\.uuid))
        let actual = Set(try store.flows(matching: testCase.query, last: nil).compactMap(\.flow.uuid))
        #expect(actual == expected)
    }

    @Test(arguments: cases)
    func dropCountsMatchTheInMemoryCount(_ testCase: Case) throws {
        let (path, flows, _) = Self.fixture
        let store = try SQLiteFlowStore(path: path)
        let expected = flows.filter { $0.countsAsDrop && testCase.query.matches($0) }
        let counts = try store.dropCounts(matching: testCase.query)
        #expect(counts.reduce(0) { $0 + $1.count } == Int64(expected.count))
        if let first = expected.map(\.time).min() { #expect(counts.map(\.firstSeen).min() == first) }
        if let last = expected.map(\.time).max() { #expect(counts.map(\.lastSeen).max() == last) }
    }

    @Test func randomWindowsCountDropsExactly() throws {
        let (path, flows, _) = Self.fixture
        let store = try SQLiteFlowStore(path: path)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<40 {
            let low = Int64.random(in: 0..<(2 * 3600 * 1_000_000_000), using: &generator)
            let high = low + Int64.random(in: 0..<(3600 * 1_000_000_000), using: &generator)
            var query = FlowQuery()
            query.since = Timestamp(rawValue: Self.start.rawValue + low)
            query.until = Timestamp(rawValue: Self.start.rawValue + high)
            let expected = flows.filter { $0.countsAsDrop && query.matches($0) }.count
            #expect(try store.dropCounts(matching: query).reduce(0) { $0 + $1.count } == Int64(expected),
                    "window \(query.since!) – \(query.until!)")
        }
    }
}

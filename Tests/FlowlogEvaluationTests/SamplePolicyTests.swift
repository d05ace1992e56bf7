import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
@testable import FlowlogPolicy
@testable import FlowlogEvaluation
import FlowlogTestSupport

/// The seed article's seven policies (SampleFlows/policies) on the sample capture.
@Suite struct SamplePolicyTests {
    static let policiesPath = packageRoot.appendingPathComponent("SampleFlows/policies").path

    static func evaluator() throws -> VerdictEvaluator {
        VerdictEvaluator(policies: try PolicyLoader.load(paths: [policiesPath]).policies)
    }

    /// The sample's flows, decoded by flowlog's decoder.
    static let flows: [Flow] = {
        var decoder = FlowDecoder()
        var flows: [Flow] = []
        for line in try! String(contentsOfFile: sampleFlowsPath, encoding: .utf8).split(separator: "\n") {
            if case .flow(let flow)? = try? decoder.decode(String(line)) { flows.append(flow) }
        }
        return flows
    }()

    static func app(_ endpoint: Endpoint) -> String? {
        endpoint.labels.first { $0.hasPrefix("k8s:app=") || $0.hasPrefix("k8s:k8s-app=") }
            .map { String($0.split(separator: "=").last!) }
    }

    struct Scenario: CustomStringConvertible, Sendable {
        var name: String
        var source: String?
        var destination: String?
        var destinationIP: String?
        var port: UInt16
        var expected: Decision
        var description: String { name }
    }

    static let scenarios = [
        Scenario(name: "frontend -> api:3000 allowed", source: "frontend", destination: "api", port: 3000, expected: .allowed),
        Scenario(name: "test-pod -> database:5432 denied", source: "test-pod", destination: "database", port: 5432, expected: .denied),
        Scenario(name: "api -> 203.0.113.10:443 allowed", source: "api", destinationIP: "203.0.113.10", port: 443, expected: .allowed),
        Scenario(name: "api -> 198.51.100.1:443 denied", source: "api", destinationIP: "198.51.100.1", port: 443, expected: .denied),
        Scenario(name: "monitoring/prometheus -> production pods:9090 allowed", source: "prometheus", port: 9090, expected: .allowed),
        Scenario(name: "DNS to kube-system allowed", destination: "kube-dns", port: 53, expected: .allowed),
        Scenario(name: "database egress denied", source: "database", destinationIP: "203.0.113.10", port: 443, expected: .denied),
        Scenario(name: "frontend -> database:5432 denied", source: "frontend", destination: "database", port: 5432, expected: .denied),
        Scenario(name: "world -> frontend:8080 denied", source: nil, destination: "frontend", port: 8080, expected: .denied),
    ]

    @Test(arguments: scenarios)
    func theSeedPoliciesDecideTheSampleFlows(_ scenario: Scenario) throws {
        let evaluator = try Self.evaluator()
        let matching = Self.flows.filter { flow in
            flow.isReply != true && flow.l4.destinationPort == scenario.port
                && (scenario.source.map { Self.app(flow.source) == $0 } ?? (scenario.name.hasPrefix("world") ? flow.source.kind.isOutsideCluster : true))
                && (scenario.destination.map { Self.app(flow.destination) == $0 } ?? true)
                && (scenario.destinationIP.map { flow.destinationIP?.description == $0 } ?? true)
        }
        try #require(!matching.isEmpty, "the sample has flows for \(scenario.name)")
        for flow in matching { #expect(evaluator.evaluate(flow).decision == scenario.expected) }
    }

    /// Which flow failed, in model terms (the renderers are a layer above).
    static func describe(_ flow: Flow) -> String {
        "\(flow.time.rfc3339(fractionDigits: 9)) \(flow.source.podName) -> \(flow.destination.podName) \(flow.l4.proto) \(flow.connectionPort) \(flow.verdict)"
    }

    @Test func everyRecordedRequestIsAllowedAndEveryPolicyDropDenied() throws {
        let evaluator = try Self.evaluator()
        for flow in Self.flows where flow.isReply != true {
            let decision = evaluator.evaluate(flow).decision
            if flow.verdict == .forwarded {
                #expect(decision == .allowed, "\(Self.describe(flow))")
            } else if flow.verdict == .dropped && flow.dropReason == .policyDenied {
                #expect(decision == .denied, "\(Self.describe(flow))")
            }
        }
    }

    @Test func replayingTheSamplesOwnPoliciesChangesNothing() throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("sample.db")
        _ = try ingest([.file(sampleFlowsPath)], into: database)
        let store = try SQLiteFlowStore(path: database)
        let report = PolicyReplay.run(try store.connectionCounts(matching: FlowQuery(), withPodAddresses: false),
                                      evaluator: try Self.evaluator())
        #expect(report.total(.wouldBreak) == 0)
        #expect(report.total(.wouldUnblock) == 0)
        #expect(report.total(.unchangedAllowed) == 3026)
        #expect(report.total(.unchangedDenied) == 271)
        #expect(report.enforcementWarning == nil)
    }

    @Test func replayWithoutTheDNSPolicyBreaksDNSAndSaysWhy() throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("sample.db")
        _ = try ingest([.file(sampleFlowsPath)], into: database)
        let store = try SQLiteFlowStore(path: database)
        let policies = try PolicyLoader.load(paths: [Self.policiesPath]).policies.filter { $0.name != "allow-dns" }
        let connections = try store.connectionCounts(matching: FlowQuery(), withPodAddresses: false)
        let report = PolicyReplay.run(connections, evaluator: VerdictEvaluator(policies: policies))
        let broken = report.groups.filter { $0.outcome == .wouldBreak }
        #expect(!broken.isEmpty)
        #expect(broken.allSatisfy { $0.destination.hasPrefix("kube-system/") && $0.port == 53 })
        // The count agrees with the flows: every DNS request and reply from production pods.
        let dnsFlows = Self.flows.filter { flow in
            flow.verdict == .forwarded && flow.connectionPort == 53
                && flow.source.effectiveNamespace != flow.destination.effectiveNamespace
        }
        #expect(report.total(.wouldBreak) == Int64(dnsFlows.count))
    }

    @Test func replayFromTheFlowsTableAgreesWithTheRollup() throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("sample.db")
        _ = try ingest([.file(sampleFlowsPath)], into: database)
        let store = try SQLiteFlowStore(path: database)
        // The seed's policies plus one that opens the frontend to the internet.
        let openFrontend = NetworkPolicy(
            name: "frontend-from-anywhere", namespace: "production",
            podSelector: LabelSelector(requirements: [.init(key: "app", op: .in, values: ["frontend"])]),
            policyTypes: [.ingress],
            ingress: [PolicyRule(peers: [.ipBlock(IPBlock(cidr: CIDR("0.0.0.0/0")!))], ports: [PortSpec(port: .number(8080))])])
        let policies = try PolicyLoader.load(paths: [Self.policiesPath]).policies + [openFrontend]
        let evaluator = VerdictEvaluator(policies: policies)
        var everything = FlowQuery()
        everything.nodes = ["*"]   // not served by the rollup: read from the flows themselves
        let fromRollup = PolicyReplay.run(try store.connectionCounts(matching: FlowQuery(), withPodAddresses: false), evaluator: evaluator)
        let fromFlows = PolicyReplay.run(try store.connectionCounts(matching: everything, withPodAddresses: false), evaluator: evaluator)
        #expect(fromRollup.totals == fromFlows.totals)
        #expect(fromRollup.groups == fromFlows.groups)
        // The world's requests to the frontend, dropped as recorded, would now pass.
        let unblocked = fromRollup.groups.filter { $0.outcome == .wouldUnblock }
        #expect(unblocked.contains { $0.source == "world" && $0.destination == "production/app=frontend,tier=web" && $0.count == 48 })
    }
}

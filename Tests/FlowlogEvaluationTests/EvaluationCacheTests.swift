import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
@testable import FlowlogPolicy
@testable import FlowlogEvaluation
import FlowlogTestSupport

@Suite struct EvaluationCacheTests {
    /// Policies under which the cache's traps matter: ipBlock rules that tell world addresses
    /// apart, and a default deny that makes "a pod reaching itself" the only way in.
    static let policies = [
        Cluster.policy("deny-in", types: [.ingress]),
        Cluster.policy("out", selecting: ["app": "api"], types: [.egress], egress: [
            PolicyRule(peers: [.ipBlock(IPBlock(cidr: CIDR("203.0.113.0/24")!, except: [CIDR("203.0.113.128/25")!]))])]),
        Cluster.policy("web", selecting: ["app": "api"], types: [.ingress], ingress: [
            PolicyRule(peers: [.ipBlock(IPBlock(cidr: CIDR("198.51.100.0/24")!))], ports: [PortSpec(port: .name("http"))])]),
    ]

    @Test func aCachedVerdictEqualsTheUncachedOne() throws {
        let replicaA = Cluster.pod("prod", ["app": "api"], name: "api-a")
        let replicaB = Cluster.pod("prod", ["app": "api"], name: "api-b")
        let flows = [
            Cluster.flow(from: replicaA, to: replicaA, port: 3000),             // itself: allowed
            Cluster.flow(from: replicaA, to: replicaB, port: 3000),             // a replica: denied
            Cluster.flow(from: replicaB, to: replicaB, port: 3000),             // itself again
            Cluster.flow(from: replicaA, to: Cluster.world, "203.0.113.10", port: 443),
            Cluster.flow(from: replicaA, to: Cluster.world, "203.0.113.200", port: 443),   // in except
            Cluster.flow(from: replicaA, to: Cluster.world, "203.0.113.10", port: 443),
            Cluster.flow(from: Cluster.world, "198.51.100.9", to: replicaA, port: 80),
            Cluster.flow(from: Cluster.world, "192.0.2.1", to: replicaA, port: 80),
            Cluster.flow(from: replicaB, to: replicaA, port: 3000, isReply: true),
            Cluster.flow(from: replicaB, to: replicaA, port: 3000, isReply: false),
        ]
        for options in [VerdictEvaluator.Options(), {
            var options = VerdictEvaluator.Options()
            options.namedPorts = ["prod/api-a": [NamedPort(name: "http", proto: .tcp, port: 80)]]
            options.ipBlockMatchesPodIPs = true
            return options
        }()] {
            let evaluator = VerdictEvaluator(policies: Self.policies, options: options)
            let cache = EvaluationCache(evaluator: evaluator)
            for _ in 0..<2 {
                for flow in flows { #expect(cache.evaluate(flow) == evaluator.evaluate(flow)) }
            }
            #expect(cache.hits >= flows.count, "the second pass is answered from the cache")
        }
    }

    @Test func cachedVerdictsOnTheSampleEqualUncachedOnes() throws {
        var decoder = FlowDecoder()
        var flows: [Flow] = []
        for line in try String(contentsOfFile: sampleFlowsPath, encoding: .utf8).split(separator: "\n") {
            if case .flow(let flow)? = try? decoder.decode(String(line)) { flows.append(flow) }
        }
        let evaluator = VerdictEvaluator(policies: Self.policies)
        let cache = EvaluationCache(evaluator: evaluator)
        for flow in flows { #expect(cache.evaluate(flow) == evaluator.evaluate(flow)) }
        #expect(cache.hits > flows.count / 2)
    }
}

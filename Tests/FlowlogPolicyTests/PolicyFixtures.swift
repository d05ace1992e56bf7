import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogPolicy
import FlowlogTestSupport

/// flowlog's source position; `SourceLocation` alone is ambiguous next to Swift Testing's.
typealias Position = FlowlogPolicy.SourceLocation

/// Builders and paths shared by the policy loader tests.
enum PolicyFixtures {
    static var samplePolicies: String { packageRoot.appendingPathComponent("SampleFlows/policies").path }
    static var brokenPolicies: String { packageRoot.appendingPathComponent("SampleFlows/broken-policies").path }

    /// The one policy in `yaml` (file `t.yaml`); fails the test unless there is exactly one.
    static func onlyPolicy(_ yaml: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> NetworkPolicy {
        let result = try PolicyLoader.load(yaml: yaml, file: "t.yaml")
        #expect(result.policies.count == 1, sourceLocation: sourceLocation)
        return try #require(result.policies.first, sourceLocation: sourceLocation)
    }

    /// A selector of `In` requirements with one value each, as `matchLabels` gives.
    static func labels(_ pairs: KeyValuePairs<String, String>) -> LabelSelector {
        LabelSelector(requirements: pairs.map { LabelSelector.Requirement(key: $0.key, op: .in, values: [$0.value]) })
    }

    /// A one-document NetworkPolicy in `production` with the given `spec` body (indented by two).
    static func policy(name: String = "test", spec: String) -> String {
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: \(name)
          namespace: production
        spec:
        \(spec.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n"))
        """
    }
}

extension NetworkPolicy {
    /// The policy with every position removed, to compare structure alone.
    var withoutLocations: NetworkPolicy {
        var copy = self
        copy.location = nil
        copy.ingress = ingress?.map(\.withoutLocations)
        copy.egress = egress?.map(\.withoutLocations)
        return copy
    }
}

extension PolicyRule {
    var withoutLocations: PolicyRule {
        PolicyRule(peers: peers, ports: ports?.map { PortSpec(proto: $0.proto, port: $0.port, endPort: $0.endPort) })
    }
}

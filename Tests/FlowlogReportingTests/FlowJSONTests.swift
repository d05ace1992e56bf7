import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
@testable import FlowlogPolicy
@testable import FlowlogEvaluation
@testable import FlowlogReporting
import FlowlogTestSupport

private func decode(_ line: String) throws -> HubbleRecord {
    var decoder = FlowDecoder()
    return try decoder.decode(line)
}

@Suite struct FlowJSONTests {
    struct RoundTripCase: Sendable, CustomTestStringConvertible {
        var name: String
        var flow: Flow
        var testDescription: String { name }
    }

    static let roundTripCases: [RoundTripCase] = [
        RoundTripCase(name: "dropped TCP flow", flow: Fixtures.droppedFlow),
        RoundTripCase(name: "empty flow", flow: Flow()),
        RoundTripCase(name: "IPv6 UDP reply to the world", flow: {
            var flow = Flow()
            flow.time = Timestamp(seconds: Fixtures.baseSeconds, nanoseconds: 1)
            flow.uuid = FlowUUID("00000000-0000-4000-8000-00000000abcd")
            flow.verdict = .forwarded
            flow.sourceIP = IPAddress("fd00:10:244:1::1a")
            flow.destinationIP = IPAddress("2001:db8::53")
            flow.l4 = Layer4(proto: .udp, sourcePort: 53, destinationPort: 51000)
            flow.source = Endpoint(identity: 102, namespace: "kube-system", podName: "coredns-5d78c9869d-abcde",
                                   clusterName: "kind-kind",
                                   labels: ["k8s:io.kubernetes.pod.namespace=kube-system", "k8s:k8s-app=kube-dns"],
                                   workloads: [Workload(kind: "Deployment", name: "coredns")])
            flow.destination = Endpoint(identity: 10, labels: ["reserved:world-ipv6"])
            flow.flowType = .l3L4
            flow.nodeName = "kind-kind/kind-worker"
            flow.eventType = 4
            flow.trafficDirection = .ingress
            flow.traceObservationPoint = 101
            flow.isReply = true
            flow.summary = "UDP"
            return flow
        }()),
        RoundTripCase(name: "ICMPv4 echo request", flow: {
            var flow = Fixtures.flow(verdict: .dropped, reason: .policyDenied, destination: Fixtures.world,
                                     destinationIP: "203.0.113.9", l4: Layer4(proto: .icmpv4, sourcePort: 8))
            flow.eventType = 1
            flow.eventSubType = 133
            flow.summary = "ICMPv4 EchoRequest"
            return flow
        }()),
        RoundTripCase(name: "ICMPv6 with type and code", flow: Fixtures.flow(
            sourceIP: "fe80::1", destinationIP: "ff02::2", l4: Layer4(proto: .icmpv6, sourcePort: 1, destinationPort: 4))),
        RoundTripCase(name: "SCTP and all TCP flags", flow: {
            var flow = Fixtures.flow(l4: Layer4(proto: .tcp, sourcePort: 1, destinationPort: 65535,
                                                tcpFlags: [.fin, .syn, .rst, .psh, .ack, .urg, .ece, .cwr, .ns]))
            flow.isReply = false
            return flow
        }()),
        RoundTripCase(name: "SCTP", flow: Fixtures.flow(l4: Layer4(proto: .sctp, sourcePort: 36412, destinationPort: 38412))),
        RoundTripCase(name: "unknown numbers", flow: {
            var flow = Fixtures.flow(verdict: .unknown(42), reason: DropReason(rawValue: 250))
            flow.traceObservationPoint = 77
            flow.eventType = 200
            flow.eventSubType = -3
            flow.flowType = .sock
            return flow
        }()),
        RoundTripCase(name: "policy verdict with policies", flow: {
            var flow = Fixtures.flow(verdict: .dropped, reason: .policyDeny, direction: .egress)
            flow.eventType = 5
            flow.policyMatchType = 3
            flow.policies.egressAllowedBy = [PolicyReference(name: "allow-dns", namespace: "production", kind: "CiliumNetworkPolicy")]
            flow.policies.ingressAllowedBy = [PolicyReference(name: "base", kind: "CiliumClusterwideNetworkPolicy"),
                                              PolicyReference(name: "web", namespace: "production", kind: "NetworkPolicy")]
            flow.policies.egressDeniedBy = [PolicyReference(name: "deny-db", namespace: "production", kind: "CiliumNetworkPolicy")]
            flow.policies.ingressDeniedBy = [PolicyReference(name: "unnamed")]
            return flow
        }()),
        RoundTripCase(name: "hostile and non-ASCII text", flow: {
            var flow = Fixtures.flow(source: Endpoint(namespace: "prod\"uction", podName: "pod\\name",
                                                      labels: ["k8s:note=<script>&amp;", "k8s:emoji=😀", "k8s:ctl=\u{1B}[31m\u{7F}"],
                                                      workloads: [Workload(kind: "", name: "naïve")]))
            flow.summary = "line1\nline2\t\"quoted\" \u{2028} \u{0} é"
            flow.nodeName = "nöde/1"
            return flow
        }()),
        RoundTripCase(name: "before 1970, no nanoseconds", flow: Fixtures.flow(time: -14_182_940)),
        RoundTripCase(name: "source address only", flow: Fixtures.flow(destinationIP: nil)),
        RoundTripCase(name: "largest identity", flow: Fixtures.flow(source: Endpoint(identity: UInt32.max))),
    ]

    @Test(arguments: roundTripCases)
    func lineDecodesToTheSameFlow(_ testCase: RoundTripCase) throws {
        let line = FlowJSON.line(testCase.flow)
        #expect(!line.contains("\n"))
        #expect(try decode(line) == .flow(testCase.flow))
    }

    @Test(arguments: roundTripCases)
    func lineIsValidJSON(_ testCase: RoundTripCase) throws {
        let line = FlowJSON.line(testCase.flow)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["flow"] is [String: Any])
    }

    @Test func lineUsesHubblesKeysAndEnumNames() {
        let line = FlowJSON.line(Fixtures.droppedFlow)
        #expect(line == #"{"flow":{"time":"2026-11-20T10:00:00.123456789Z","uuid":"6e1f4b2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b","#
            + #""verdict":"DROPPED","drop_reason":133,"IP":{"source":"10.0.1.15","destination":"10.0.2.20","ipVersion":"IPv4"},"#
            + #""l4":{"TCP":{"source_port":43512,"destination_port":5432,"flags":{"SYN":true}}},"#
            + #""source":{"identity":51234,"cluster_name":"kind-kind","namespace":"production","labels":["k8s:app=frontend","#
            + #""k8s:io.cilium.k8s.policy.cluster=kind-kind","k8s:io.kubernetes.pod.namespace=production","#
            + #""k8s:pod-template-hash=7d9c8b"],"pod_name":"frontend-7d9c8b-x2x4q","workloads":[{"name":"frontend","kind":"Deployment"}]},"#
            + #""destination":{"identity":60001,"cluster_name":"kind-kind","namespace":"production","#
            + #""labels":["k8s:app=postgres","k8s:io.kubernetes.pod.namespace=production"],"pod_name":"postgres-0","#
            + #""workloads":[{"name":"postgres","kind":"StatefulSet"}]},"Type":"L3_L4","node_name":"kind-worker","#
            + #""event_type":{"type":1,"sub_type":133},"traffic_direction":"EGRESS","drop_reason_desc":"POLICY_DENIED","#
            + #""is_reply":false,"Summary":"TCP Flags: SYN"},"node_name":"kind-worker","time":"2026-11-20T10:00:00.123456789Z"}"#)
    }

    @Test func decodedRealisticLineRoundTrips() throws {
        // Hubble's own line → Flow → FlowJSON → Flow.
        let record = try decode(Fixtures.line())
        guard case .flow(let flow) = record else {
            Issue.record("expected a flow, got \(record)")
            return
        }
        #expect(try decode(FlowJSON.line(flow)) == record)
    }

    /// The decoder accepts any int32 enum number for `drop_reason_desc`, so a flow it produced must
    /// survive FlowJSON and come back unchanged.
    @Test func flowWithANegativeDropReasonNumberRoundTrips() throws {
        let record = try decode(#"{"flow":{"verdict":"DROPPED","drop_reason_desc":-5}}"#)
        guard case .flow(let flow) = record else {
            Issue.record("expected a flow, got \(record)")
            return
        }
        #expect(flow.dropReason == DropReason(rawValue: -5))
        let line = FlowJSON.line(flow)
        #expect(throws: Never.self, "line: \(line)") { try decode(line) }
        #expect((try? decode(line)) == record)
    }
}

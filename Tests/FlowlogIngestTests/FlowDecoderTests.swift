import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
import FlowlogTestSupport

private extension HubbleRecord {
    var flow: Flow? {
        if case .flow(let flow) = self { return flow }
        return nil
    }

    var lostEvents: LostEvents? {
        if case .lostEvents(let lost) = self { return lost }
        return nil
    }
}

/// Decodes `line` with a fresh decoder and returns its flow; fails the test for other records.
private func decodedFlow(_ line: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Flow {
    var decoder = FlowDecoder()
    let record = try decoder.decode(line)
    return try #require(record.flow, "expected a flow record, got \(record)", sourceLocation: sourceLocation)
}

/// The problem decoding `line` throws, or nil when it decodes.
private func decodingProblem(_ line: String) -> JSONDecodingProblem? {
    var decoder = FlowDecoder()
    do {
        _ = try decoder.decode(line)
        return nil
    } catch {
        return error
    }
}

private func decodingProblem(bytes: [UInt8]) -> JSONDecodingProblem? {
    var decoder = FlowDecoder()
    let result: Result<HubbleRecord, JSONDecodingProblem> = bytes.withUnsafeBytes { buffer in
        Result { () throws(JSONDecodingProblem) in try decoder.decode(buffer) }
    }
    if case .failure(let problem) = result { return problem }
    return nil
}

/// The 1-based byte column where `marker` first occurs in `line`.
private func columnOf(_ marker: String, in line: String) -> Int {
    let haystack = Array(line.utf8)
    let needle = Array(marker.utf8)
    for start in 0...(haystack.count - needle.count) where Array(haystack[start..<(start + needle.count)]) == needle {
        return start + 1
    }
    preconditionFailure("marker \(marker) not in \(line)")
}

/// A flow built from `Flow()` by `change`.
private func flow(_ change: (inout Flow) -> Void) -> Flow {
    var flow = Flow()
    change(&flow)
    return flow
}

private let base = Fixtures.baseSeconds

@Suite struct FlowDecoderTests {
    // MARK: - Fields

    struct FieldCase: Sendable, CustomTestStringConvertible {
        var name: String
        /// The members of the flow object.
        var members: String
        var expected: Flow

        init(_ name: String, _ members: String, _ change: (inout Flow) -> Void) {
            self.name = name
            self.members = members
            expected = flow(change)
        }

        var testDescription: String { name }
    }

    static let fieldCases: [FieldCase] = [
        FieldCase("time, no fraction", #""time":"2026-11-20T10:00:00Z""#) { $0.time = Timestamp(seconds: base) },
        FieldCase("time, 3 fraction digits", #""time":"2026-11-20T10:00:00.123Z""#) {
            $0.time = Timestamp(seconds: base, nanoseconds: 123_000_000)
        },
        FieldCase("time, 6 fraction digits", #""time":"2026-11-20T10:00:00.123456Z""#) {
            $0.time = Timestamp(seconds: base, nanoseconds: 123_456_000)
        },
        FieldCase("time, 9 fraction digits", #""time":"2026-11-20T10:00:00.123456789Z""#) {
            $0.time = Timestamp(seconds: base, nanoseconds: 123_456_789)
        },
        FieldCase("time with +02:00 offset", #""time":"2026-11-20T12:00:00.000000001+02:00""#) {
            $0.time = Timestamp(seconds: base, nanoseconds: 1)
        },
        FieldCase("time with -05:30 offset", #""time":"2026-11-20T04:30:00.5-05:30""#) {
            $0.time = Timestamp(seconds: base, nanoseconds: 500_000_000)
        },
        FieldCase("uuid", #""uuid":"6e1f4b2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b""#) {
            $0.uuid = FlowUUID("6e1f4b2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b")
        },
        FieldCase("uuid in upper case", #""uuid":"6E1F4B2A-1C3D-4E5F-8A9B-0C1D2E3F4A5B""#) {
            $0.uuid = FlowUUID("6e1f4b2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b")
        },
        FieldCase("empty uuid is absent", #""uuid":"""#) { _ in },
        FieldCase("verdict name", #""verdict":"DROPPED""#) { $0.verdict = .dropped },
        FieldCase("verdict AUDIT", #""verdict":"AUDIT""#) { $0.verdict = .audit },
        FieldCase("verdict number", #""verdict":1"#) { $0.verdict = .forwarded },
        FieldCase("verdict number in a string", #""verdict":"7""#) { $0.verdict = .translated },
        FieldCase("unknown verdict number is kept", #""verdict":42"#) { $0.verdict = .unknown(42) },
        FieldCase("drop_reason_desc name", #""drop_reason_desc":"POLICY_DENY""#) { $0.dropReason = .policyDeny },
        FieldCase("drop_reason_desc number", #""drop_reason_desc":189"#) { $0.dropReason = DropReason(rawValue: 189) },
        FieldCase("unknown drop_reason_desc number is kept", #""drop_reason_desc":250"#) {
            $0.dropReason = DropReason(rawValue: 250)
        },
        FieldCase("deprecated drop_reason alone", #""drop_reason":133"#) { $0.dropReason = .policyDenied },
        FieldCase("drop_reason_desc wins over a preceding drop_reason",
                  #""drop_reason":133,"drop_reason_desc":"POLICY_DENY""#) { $0.dropReason = .policyDeny },
        FieldCase("drop_reason_desc wins over a following drop_reason",
                  #""drop_reason_desc":"POLICY_DENY","drop_reason":133"#) { $0.dropReason = .policyDeny },
        FieldCase("event_type type and sub_type", #""event_type":{"type":1,"sub_type":133}"#) {
            $0.eventType = 1
            $0.eventSubType = 133
        },
        FieldCase("event_type without sub_type", #""event_type":{"type":4}"#) { $0.eventType = 4 },
        FieldCase("Type name", #""Type":"L7""#) { $0.flowType = .l7 },
        FieldCase("Type number", #""Type":3"#) { $0.flowType = .sock },
        FieldCase("IPv4 source and destination", #""IP":{"source":"10.0.1.15","destination":"10.0.2.20","ipVersion":"IPv4"}"#) {
            $0.sourceIP = IPAddress("10.0.1.15")
            $0.destinationIP = IPAddress("10.0.2.20")
        },
        FieldCase("IPv6 source and destination",
                  #""IP":{"source":"fd00:10:244:1::1a","destination":"2001:db8::5","ipVersion":"IPv6"}"#) {
            $0.sourceIP = IPAddress("fd00:10:244:1::1a")
            $0.destinationIP = IPAddress("2001:db8::5")
        },
        FieldCase("IP with destination only", #""IP":{"destination":"192.0.2.7"}"#) {
            $0.destinationIP = IPAddress("192.0.2.7")
        },
        FieldCase("TCP ports and flags", #""l4":{"TCP":{"source_port":43512,"destination_port":5432,"flags":{"SYN":true,"ACK":true}}}"#) {
            $0.l4 = Layer4(proto: .tcp, sourcePort: 43512, destinationPort: 5432, tcpFlags: [.syn, .ack])
        },
        FieldCase("all nine TCP flags",
                  #""l4":{"TCP":{"flags":{"FIN":true,"SYN":true,"RST":true,"PSH":true,"ACK":true,"URG":true,"ECE":true,"CWR":true,"NS":true}}}"#) {
            $0.l4 = Layer4(proto: .tcp, tcpFlags: [.fin, .syn, .rst, .psh, .ack, .urg, .ece, .cwr, .ns])
        },
        FieldCase("false TCP flags are not set", #""l4":{"TCP":{"flags":{"SYN":true,"ACK":false}}}"#) {
            $0.l4 = Layer4(proto: .tcp, tcpFlags: .syn)
        },
        FieldCase("UDP ports", #""l4":{"UDP":{"source_port":51000,"destination_port":53}}"#) {
            $0.l4 = Layer4(proto: .udp, sourcePort: 51000, destinationPort: 53)
        },
        FieldCase("SCTP ports", #""l4":{"SCTP":{"source_port":36412,"destination_port":38412}}"#) {
            $0.l4 = Layer4(proto: .sctp, sourcePort: 36412, destinationPort: 38412)
        },
        FieldCase("ports as strings", #""l4":{"UDP":{"source_port":"51000","destination_port":"53"}}"#) {
            $0.l4 = Layer4(proto: .udp, sourcePort: 51000, destinationPort: 53)
        },
        FieldCase("ICMPv4 echo request", #""l4":{"ICMPv4":{"type":8}}"#) {
            $0.l4 = Layer4(proto: .icmpv4, sourcePort: 8)
        },
        FieldCase("ICMPv4 type and code", #""l4":{"ICMPv4":{"type":3,"code":13}}"#) {
            $0.l4 = Layer4(proto: .icmpv4, sourcePort: 3, destinationPort: 13)
        },
        FieldCase("ICMPv4 echo reply has no keys", #""l4":{"ICMPv4":{}}"#) { $0.l4 = Layer4(proto: .icmpv4) },
        FieldCase("ICMPv6 router solicitation", #""l4":{"ICMPv6":{"type":133}}"#) {
            $0.l4 = Layer4(proto: .icmpv6, sourcePort: 133)
        },
        FieldCase("source endpoint", #""source":"# + Fixtures.frontendJSON) { $0.source = Fixtures.frontend },
        FieldCase("destination endpoint", #""destination":"# + Fixtures.databaseJSON) { $0.destination = Fixtures.database },
        FieldCase("reserved endpoint", #""destination":{"identity":2,"labels":["reserved:world"]}"#) {
            $0.destination = Endpoint(identity: 2, labels: ["reserved:world"])
        },
        FieldCase("empty endpoint", #""source":{}"#) { _ in },
        FieldCase("identity as a string", #""source":{"identity":"42"}"#) { $0.source = Endpoint(identity: 42) },
        FieldCase("traffic_direction INGRESS", #""traffic_direction":"INGRESS""#) { $0.trafficDirection = .ingress },
        FieldCase("traffic_direction EGRESS", #""traffic_direction":"EGRESS""#) { $0.trafficDirection = .egress },
        FieldCase("traffic_direction number", #""traffic_direction":1"#) { $0.trafficDirection = .ingress },
        FieldCase("is_reply true", #""is_reply":true"#) { $0.isReply = true },
        FieldCase("is_reply false is kept", #""is_reply":false"#) { $0.isReply = false },
        FieldCase("is_reply absent is nil", #""Summary":"UDP""#) {
            $0.summary = "UDP"
            $0.isReply = nil
        },
        FieldCase("deprecated reply", #""reply":true"#) { $0.isReply = true },
        FieldCase("is_reply false wins over a preceding reply", #""reply":true,"is_reply":false"#) { $0.isReply = false },
        FieldCase("is_reply false wins over a following reply", #""is_reply":false,"reply":true"#) { $0.isReply = false },
        FieldCase("node_name", #""node_name":"kind-kind/kind-worker""#) { $0.nodeName = "kind-kind/kind-worker" },
        FieldCase("policy_match_type", #""policy_match_type":2"#) { $0.policyMatchType = 2 },
        FieldCase("trace_observation_point TO_ENDPOINT", #""trace_observation_point":"TO_ENDPOINT""#) {
            $0.traceObservationPoint = 101
        },
        FieldCase("trace_observation_point FROM_NETWORK", #""trace_observation_point":"FROM_NETWORK""#) {
            $0.traceObservationPoint = 10
        },
        FieldCase("trace_observation_point number", #""trace_observation_point":101"#) { $0.traceObservationPoint = 101 },
        FieldCase("Summary", #""Summary":"TCP Flags: SYN""#) { $0.summary = "TCP Flags: SYN" },
        FieldCase("Summary with Go's HTML escapes", #""Summary":"HTTP/1.1 GET http://api/a?b=1\u0026c=\u003cd\u003e""#) {
            $0.summary = "HTTP/1.1 GET http://api/a?b=1&c=<d>"
        },
        FieldCase("egress_allowed_by",
                  #""egress_allowed_by":[{"name":"allow-dns","namespace":"production","labels":["k8s:io.cilium.k8s.policy.name=allow-dns","k8s:io.cilium.k8s.policy.derived-from=CiliumNetworkPolicy"],"revision":"6","kind":"CiliumNetworkPolicy"}]"#) {
            $0.policies.egressAllowedBy = [PolicyReference(name: "allow-dns", namespace: "production", kind: "CiliumNetworkPolicy")]
        },
        FieldCase("ingress_allowed_by", #""ingress_allowed_by":[{"name":"allow-web","namespace":"production","kind":"NetworkPolicy"},{"name":"cluster-base","kind":"CiliumClusterwideNetworkPolicy"}]"#) {
            $0.policies.ingressAllowedBy = [PolicyReference(name: "allow-web", namespace: "production", kind: "NetworkPolicy"),
                                            PolicyReference(name: "cluster-base", kind: "CiliumClusterwideNetworkPolicy")]
        },
        FieldCase("egress_denied_by", #""egress_denied_by":[{"name":"deny-egress","namespace":"production","revision":"9","kind":"CiliumNetworkPolicy"}]"#) {
            $0.policies.egressDeniedBy = [PolicyReference(name: "deny-egress", namespace: "production", kind: "CiliumNetworkPolicy")]
        },
        FieldCase("ingress_denied_by", #""ingress_denied_by":[{"name":"deny-all","kind":"CiliumClusterwideNetworkPolicy"}]"#) {
            $0.policies.ingressDeniedBy = [PolicyReference(name: "deny-all", kind: "CiliumClusterwideNetworkPolicy")]
        },
        FieldCase("destination_names", #""destination_names":["one.one.one.one","One.One.One.One."]"#) {
            $0.destinationNames = ["one.one.one.one", "One.One.One.One."]
        },
        FieldCase("destinationNames (camelCase)", #""destinationNames":["api.example.com"]"#) { $0.destinationNames = ["api.example.com"] },
        FieldCase("source_names", #""source_names":["a.example."]"#) { $0.sourceNames = ["a.example."] },
        FieldCase("names: null and empty strings are none", #""source_names":null,"destination_names":["",""]"#) { _ in },
        FieldCase("names with JSON escapes", #""destination_names":["api\u002eexample.com"]"#) { $0.destinationNames = ["api.example.com"] },
    ]

    @Test func namesUpToTheBoundsAreKept() throws {
        let longest = String(repeating: "a.", count: Flow.maxNameLength / 2)
        let many = (0..<Flow.maxNamesPerSide).map { "\"n\($0).example\"" }.joined(separator: ",")
        let flow = try decodedFlow(#"{"flow":{"destination_names":["# + many + #"],"source_names":[""# + longest + #""]}}"#)
        #expect(flow.destinationNames.count == Flow.maxNamesPerSide)
        #expect(flow.sourceNames == [longest])
    }

    @Test(arguments: fieldCases)
    func decodesField(_ testCase: FieldCase) throws {
        let decoded = try decodedFlow(#"{"flow":{"# + testCase.members + "}}")
        #expect(decoded == testCase.expected)
    }

    @Test func isReplyIsNilWhenAbsent() throws {
        let decoded = try decodedFlow(Fixtures.line(["is_reply": nil]))
        #expect(decoded.isReply == nil)
    }

    @Test func decodesARealisticLine() throws {
        #expect(try decodedFlow(Fixtures.line()) == Fixtures.droppedFlow)
    }

    @Test func uuidPrintsInLowerCase() throws {
        let decoded = try decodedFlow(Fixtures.line(["uuid": #""6E1F4B2A-1C3D-4E5F-8A9B-0C1D2E3F4A5B""#]))
        #expect(decoded.uuid?.description == "6e1f4b2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b")
    }

    // MARK: - Line shapes

    @Test func bareLegacyFlowEqualsWrappedFlow() throws {
        let wrapped = try decodedFlow(Fixtures.line())
        let bare = try decodedFlow(Fixtures.flowObject())
        #expect(bare == wrapped)
        #expect(bare == Fixtures.droppedFlow)
    }

    @Test func wrapperTimeAndNodeFillInWhenTheFlowLacksThem() throws {
        let line = #"{"flow":{"verdict":"DROPPED"},"node_name":"kind-kind/kind-worker","time":"2026-11-20T10:00:00.5Z"}"#
        let expected = flow {
            $0.verdict = .dropped
            $0.nodeName = "kind-kind/kind-worker"
            $0.time = Timestamp(seconds: base, nanoseconds: 500_000_000)
        }
        #expect(try decodedFlow(line) == expected)
    }

    @Test func wrapperKeysBeforeTheFlowFillInToo() throws {
        let line = #"{"time":"2026-11-20T10:00:00.5Z","node_name":"kind-worker","flow":{"verdict":"FORWARDED"}}"#
        let decoded = try decodedFlow(line)
        #expect(decoded.time == Timestamp(seconds: base, nanoseconds: 500_000_000))
        #expect(decoded.nodeName == "kind-worker")
        #expect(decoded.verdict == .forwarded)
    }

    @Test func theFlowsOwnTimeAndNodeWinOverTheWrapper() throws {
        let line = #"{"flow":{"time":"2026-11-20T10:00:00Z","node_name":"node-a"},"node_name":"node-b","time":"2026-11-20T11:00:00Z"}"#
        let decoded = try decodedFlow(line)
        #expect(decoded.time == Timestamp(seconds: base))
        #expect(decoded.nodeName == "node-a")
    }

    @Test func bareFlowWithOnlyVerdictIsAFlow() throws {
        #expect(try decodedFlow(#"{"verdict":"DROPPED","node_name":"n1"}"#) == flow {
            $0.verdict = .dropped
            $0.nodeName = "n1"
        })
    }

    static let snakeCaseLine = """
        {"flow":{"time":"2026-11-20T10:00:00.123456789Z","verdict":"DROPPED","drop_reason_desc":"POLICY_DENIED","IP":{"source":"10.0.1.15","destination":"10.0.2.20"},"l4":{"TCP":{"source_port":43512,"destination_port":5432,"flags":{"SYN":true}}},"source":{"identity":51234,"cluster_name":"kind-kind","namespace":"production","labels":["k8s:app=frontend"],"pod_name":"frontend-7d9c8b-x2x4q","workloads":[{"name":"frontend","kind":"Deployment"}]},"destination":{"identity":60001,"namespace":"production","pod_name":"postgres-0"},"Type":"L3_L4","node_name":"kind-worker","event_type":{"type":5,"sub_type":0},"traffic_direction":"EGRESS","policy_match_type":0,"trace_observation_point":"TO_ENDPOINT","is_reply":false,"Summary":"TCP Flags: SYN","egress_allowed_by":[{"name":"a","namespace":"production","kind":"CiliumNetworkPolicy"}],"ingress_allowed_by":[{"name":"b"}],"egress_denied_by":[{"name":"deny-db","namespace":"production","kind":"CiliumNetworkPolicy"}],"ingress_denied_by":[{"name":"c"}]}}
        """

    static let camelCaseLine = """
        {"flow":{"time":"2026-11-20T10:00:00.123456789Z","verdict":"DROPPED","dropReasonDesc":"POLICY_DENIED","IP":{"source":"10.0.1.15","destination":"10.0.2.20"},"l4":{"TCP":{"sourcePort":43512,"destinationPort":5432,"flags":{"SYN":true}}},"source":{"identity":51234,"clusterName":"kind-kind","namespace":"production","labels":["k8s:app=frontend"],"podName":"frontend-7d9c8b-x2x4q","workloads":[{"name":"frontend","kind":"Deployment"}]},"destination":{"identity":60001,"namespace":"production","podName":"postgres-0"},"Type":"L3_L4","nodeName":"kind-worker","eventType":{"type":5,"subType":0},"trafficDirection":"EGRESS","policyMatchType":0,"traceObservationPoint":"TO_ENDPOINT","isReply":false,"Summary":"TCP Flags: SYN","egressAllowedBy":[{"name":"a","namespace":"production","kind":"CiliumNetworkPolicy"}],"ingressAllowedBy":[{"name":"b"}],"egressDeniedBy":[{"name":"deny-db","namespace":"production","kind":"CiliumNetworkPolicy"}],"ingressDeniedBy":[{"name":"c"}]}}
        """

    @Test func snakeCaseAndCamelCaseKeysGiveTheSameFlow() throws {
        let snake = try decodedFlow(Self.snakeCaseLine)
        let camel = try decodedFlow(Self.camelCaseLine)
        #expect(snake == camel)
        // Guard against both spellings being ignored alike.
        #expect(camel.dropReason == .policyDenied)
        #expect(camel.l4 == Layer4(proto: .tcp, sourcePort: 43512, destinationPort: 5432, tcpFlags: .syn))
        #expect(camel.source.podName == "frontend-7d9c8b-x2x4q")
        #expect(camel.source.clusterName == "kind-kind")
        #expect(camel.nodeName == "kind-worker")
        #expect(camel.eventType == 5)
        #expect(camel.trafficDirection == .egress)
        #expect(camel.traceObservationPoint == 101)
        #expect(camel.isReply == false)
        #expect(camel.policies.egressDeniedBy == [PolicyReference(name: "deny-db", namespace: "production", kind: "CiliumNetworkPolicy")])
        #expect(camel.policies.ingressDeniedBy == [PolicyReference(name: "c")])
    }

    @Test func camelCaseWrapperKeys() throws {
        let line = #"{"flow":{"verdict":"DROPPED"},"nodeName":"kind-worker","time":"2026-11-20T10:00:00Z"}"#
        #expect(try decodedFlow(line).nodeName == "kind-worker")
    }

    @Test func integersWrittenAsStringsAreAccepted() throws {
        let numbers = Fixtures.line([
            "drop_reason": "133", "policy_match_type": "2", "event_type": #"{"type":1,"sub_type":133}"#,
            "source": #"{"identity":51234}"#,
        ])
        let strings = Fixtures.line([
            "drop_reason": #""133""#, "policy_match_type": #""2""#, "event_type": #"{"type":"1","sub_type":"133"}"#,
            "source": #"{"identity":"51234"}"#,
        ])
        let fromStrings = try decodedFlow(strings)
        #expect(fromStrings == (try decodedFlow(numbers)))
        #expect(fromStrings.source.identity == 51234)
        #expect(fromStrings.policyMatchType == 2)
    }

    @Test func unknownKeysAreSkippedAtEveryLevel() throws {
        let plain = Fixtures.line()
        let noisy = """
            {"flow":{"emitter":{"name":"Hubble","version":"1.17.1"},"time":"2026-11-20T10:00:00.123456789Z","uuid":"6e1f4b2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b","verdict":"DROPPED","drop_reason":133,"auth_type":"SPIRE","ethernet":{"source":"aa:bb:cc:dd:ee:ff","destination":"11:22:33:44:55:66"},"IP":{"source":"10.0.1.15","source_xlated":"192.0.2.1","destination":"10.0.2.20","ipVersion":"IPv4","encrypted":true},"l4":{"TCP":{"source_port":43512,"destination_port":5432,"flags":{"SYN":true}},"future":[1,2.5e3,-0.5,null,true]},"source":\(Fixtures.frontendJSON),"destination":{"ID":77,"identity":60001,"cluster_name":"kind-kind","namespace":"production","labels":["k8s:app=postgres","k8s:io.kubernetes.pod.namespace=production"],"pod_name":"postgres-0","workloads":[{"name":"postgres","kind":"StatefulSet","extra":{}}]},"Type":"L3_L4","node_name":"kind-worker","node_labels":["kubernetes.io/hostname=kind-worker"],"event_type":{"type":1,"sub_type":133,"future":"x"},"traffic_direction":"EGRESS","file":{"name":"bpf_lxc.c","line":1361},"drop_reason_desc":"POLICY_DENIED","is_reply":false,"interface":{"index":6,"name":"cilium_vxlan"},"trace_context":{"parent":{"trace_id":"4bf92f3577b34da6"}},"Summary":"TCP Flags: SYN","extensions":{"@type":"type.googleapis.com/x","a":{"b":[{}]}},"policy_log":[""]},"node_name":"kind-worker","time":"2026-11-20T10:00:00.123456789Z","future_wrapper_key":{"x":[]}}
            """
        #expect(try decodedFlow(noisy) == (try decodedFlow(plain)))
    }

    @Test func nullValuesAreAbsent() throws {
        let line = """
            {"flow":{"time":null,"uuid":null,"verdict":null,"drop_reason":null,"drop_reason_desc":null,"IP":null,"l4":null,"source":null,"destination":null,"Type":null,"node_name":null,"event_type":null,"traffic_direction":null,"is_reply":null,"reply":null,"policy_match_type":null,"trace_observation_point":null,"Summary":null,"egress_allowed_by":null,"ingress_allowed_by":null,"egress_denied_by":null,"ingress_denied_by":null}}
            """
        #expect(try decodedFlow(line) == Flow())
    }

    @Test func nestedNullValuesAreAbsent() throws {
        let line = """
            {"flow":{"IP":{"source":null,"destination":"10.0.0.1"},"l4":{"TCP":{"source_port":null,"flags":{"SYN":null}}},"source":{"identity":null,"namespace":null,"labels":null,"pod_name":null,"cluster_name":null,"workloads":null},"event_type":{"type":null},"egress_denied_by":[{"name":"x","namespace":null,"kind":null}]}}
            """
        let expected = flow {
            $0.destinationIP = IPAddress("10.0.0.1")
            $0.l4 = Layer4(proto: .tcp)
            $0.policies.egressDeniedBy = [PolicyReference(name: "x")]
        }
        #expect(try decodedFlow(line) == expected)
    }

    @Test func whitespaceAroundTokensIsAllowed() throws {
        let line = " { \"flow\" : { \"verdict\" : \"DROPPED\" , \"l4\" : { \"UDP\" : { \"destination_port\" : 53 } } } }\t"
        #expect(try decodedFlow(line) == flow {
            $0.verdict = .dropped
            $0.l4 = Layer4(proto: .udp, destinationPort: 53)
        })
    }

    @Test func rawBufferAndStringDecodeAlike() throws {
        let line = Fixtures.line()
        var decoder = FlowDecoder()
        let result: Result<HubbleRecord, JSONDecodingProblem> = Array(line.utf8).withUnsafeBytes { buffer in
            Result { () throws(JSONDecodingProblem) in try decoder.decode(buffer) }
        }
        let record = try result.get()
        #expect(record == .flow(Fixtures.droppedFlow))
    }

    // MARK: - Other records

    struct LostCase: Sendable, CustomTestStringConvertible {
        var name: String
        var line: String
        var expected: LostEvents
        var testDescription: String { name }
    }

    static let lostCases: [LostCase] = [
        LostCase(
            name: "Hubble ring buffer, as captured",
            line: #"{"lost_events":{"source":"HUBBLE_RING_BUFFER","num_events_lost":"1"},"node_name":"kubernetes/worker1","time":"2025-09-28T08:25:44.749505064Z"}"#,
            expected: {
                var lost = LostEvents()
                lost.time = Timestamp(seconds: 1_759_047_944, nanoseconds: 749_505_064)
                lost.nodeName = "kubernetes/worker1"
                lost.source = "HUBBLE_RING_BUFFER"
                lost.count = 1
                return lost
            }()),
        LostCase(
            name: "perf ring with cpu",
            line: #"{"lost_events":{"source":"PERF_EVENT_RING_BUFFER","num_events_lost":"3","cpu":2},"node_name":"kind-worker","time":"2026-11-20T10:00:00Z"}"#,
            expected: {
                var lost = LostEvents()
                lost.time = Timestamp(seconds: Fixtures.baseSeconds)
                lost.nodeName = "kind-worker"
                lost.source = "PERF_EVENT_RING_BUFFER"
                lost.count = 3
                lost.cpu = 2
                return lost
            }()),
        LostCase(
            name: "camelCase, number count, cpu 0",
            line: #"{"lostEvents":{"source":"OBSERVER_EVENTS_QUEUE","numEventsLost":12,"cpu":0},"nodeName":"kind-worker"}"#,
            expected: {
                var lost = LostEvents()
                lost.nodeName = "kind-worker"
                lost.source = "OBSERVER_EVENTS_QUEUE"
                lost.count = 12
                lost.cpu = 0
                return lost
            }()),
        LostCase(
            name: "large count, unknown keys",
            line: #"{"lost_events":{"source":"HUBBLE_RING_BUFFER","num_events_lost":"9000000000","first":"2026-11-20T09:59:00Z","last":"2026-11-20T10:00:00Z"}}"#,
            expected: {
                var lost = LostEvents()
                lost.source = "HUBBLE_RING_BUFFER"
                lost.count = 9_000_000_000
                return lost
            }()),
    ]

    @Test(arguments: lostCases)
    func decodesLostEvents(_ testCase: LostCase) throws {
        var decoder = FlowDecoder()
        let record = try decoder.decode(testCase.line)
        #expect(record == .lostEvents(testCase.expected))
    }

    struct OtherCase: Sendable, CustomTestStringConvertible {
        var line: String
        var kind: NonFlowKind
        var testDescription: String { String(line.prefix(40)) }
    }

    static let otherCases: [OtherCase] = [
        OtherCase(line: #"{"node_status":{"state_change":"NODE_ERROR","node_names":["kind-kind/kind-worker"],"message":"connection refused"},"node_name":"kind-kind/relay","time":"2026-11-20T10:00:00Z"}"#,
                  kind: .nodeStatus),
        OtherCase(line: #"{"nodeStatus":{"stateChange":"NODE_GONE","nodeNames":["a"]}}"#, kind: .nodeStatus),
        OtherCase(line: #"{"agent_event":{"type":"POLICY_UPDATED","policy_update":{"labels":["k8s:io.cilium.k8s.policy.name=deny-db"],"revision":"7","rule_count":"1"}},"node_name":"kind-worker","time":"2026-11-20T10:00:00Z"}"#,
                  kind: .agentEvent),
        OtherCase(line: #"{"agentEvent":{"type":"AGENT_STARTED","agent_start":{"time":"2026-11-20T10:00:00Z"}}}"#, kind: .agentEvent),
        OtherCase(line: #"{"debug_event":{"type":"DBG_CAPTURE_DELIVERY","source":{"ID":1,"identity":2,"labels":["reserved:host"]},"hash":123,"arg1":1,"arg2":2,"arg3":3,"message":"x","cpu":1},"node_name":"kind-worker","time":"2026-11-20T10:00:00Z"}"#,
                  kind: .debugEvent),
        OtherCase(line: #"{"debugEvent":{"type":"DBG_GENERIC"}}"#, kind: .debugEvent),
    ]

    @Test(arguments: otherCases)
    func decodesNonFlowRecords(_ testCase: OtherCase) throws {
        var decoder = FlowDecoder()
        let record = try decoder.decode(testCase.line)
        #expect(record == .other(testCase.kind))
    }

    // MARK: - Errors

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        var name: String
        var line: String
        var fieldPath: String
        var description: String
        var column: Int

        /// `at` is the text where the problem is reported; nil means just past the end of the line.
        init(_ name: String, _ line: String, path: String, _ description: String, at marker: String?) {
            self.name = name
            self.line = line
            fieldPath = path
            self.description = description
            column = marker.map { columnOf($0, in: line) } ?? line.utf8.count + 1
        }

        init(_ name: String, _ line: String, path: String, _ description: String, column: Int) {
            self.name = name
            self.line = line
            fieldPath = path
            self.description = description
            self.column = column
        }

        var testDescription: String { name }
    }

    static let nested = #"{"flow":{"extensions":"# + String(repeating: "[", count: 70) + String(repeating: "]", count: 70) + "}}"

    static let errorCases: [ErrorCase] = [
        ErrorCase("truncated object", #"{"flow":{"verdict":"DROPPED""#, path: "flow",
                  "flow: expected ',' or '}', found the end of the line", at: nil),
        ErrorCase("truncated string", #"{"flow":{"verdict":"DROPP"#, path: "flow.verdict",
                  "flow.verdict: unterminated string", at: nil),
        ErrorCase("empty line", "", path: "", "expected an object, found the end of the line", at: nil),
        ErrorCase("plain text", "hello world", path: "", "expected an object, found 'h'", at: "hello"),
        ErrorCase("a JSON array", "[1,2]", path: "", "expected an object, found an array", at: "["),
        ErrorCase("null line", "null", path: "", "expected an object, found null", at: nil),
        ErrorCase("empty object", "{}", path: "",
                  "not a Hubble record: no flow, lost_events, node_status, agent_event or debug_event", at: "{"),
        ErrorCase("only wrapper keys", #"{"node_name":"kind-worker","time":"2026-11-20T10:00:00Z","x":1}"#, path: "",
                  "not a Hubble record: no flow, lost_events, node_status, agent_event or debug_event", at: "{"),
        ErrorCase("missing colon", #"{"flow" {}}"#, path: "", "expected ':', found an object", at: "{}"),
        ErrorCase("verdict as an object", #"{"flow":{"verdict":{"name":"DROPPED"}}}"#, path: "flow.verdict",
                  "flow.verdict: expected an enum name or number, found an object", at: #"{"name""#),
        ErrorCase("unknown verdict name", #"{"flow":{"verdict":"MAYBE"}}"#, path: "flow.verdict",
                  #"flow.verdict: unknown enum name "MAYBE""#, at: #""MAYBE""#),
        ErrorCase("camelCase key keeps its spelling in the path", #"{"flow":{"trafficDirection":"SIDEWAYS"}}"#,
                  path: "flow.trafficDirection", #"flow.trafficDirection: unknown enum name "SIDEWAYS""#, at: #""SIDEWAYS""#),
        ErrorCase("is_reply as a string", #"{"flow":{"is_reply":"yes"}}"#, path: "flow.is_reply",
                  "flow.is_reply: expected a boolean, found a string", at: #""yes""#),
        ErrorCase("port out of range", #"{"flow":{"l4":{"TCP":{"source_port":1,"destination_port":70000}}}}"#,
                  path: "flow.l4.TCP.destination_port",
                  "flow.l4.TCP.destination_port: integer out of range 0...65535", at: "70000"),
        ErrorCase("negative port", #"{"flow":{"l4":{"TCP":{"destination_port":-1}}}}"#, path: "flow.l4.TCP.destination_port",
                  "flow.l4.TCP.destination_port: integer out of range 0...65535", at: "-1"),
        ErrorCase("fractional port", #"{"flow":{"l4":{"UDP":{"source_port":53.5}}}}"#, path: "flow.l4.UDP.source_port",
                  "flow.l4.UDP.source_port: expected an integer, found a fraction or exponent", at: "53.5"),
        ErrorCase("ICMP type out of range", #"{"flow":{"l4":{"ICMPv4":{"type":300}}}}"#, path: "flow.l4.ICMPv4.type",
                  "flow.l4.ICMPv4.type: integer out of range 0...255", at: "300"),
        ErrorCase("bad IPv4 address", #"{"flow":{"IP":{"source":"10.0.0.256","destination":"10.0.0.1"}}}"#,
                  path: "flow.IP.source", "flow.IP.source: expected an IP address", at: #""10.0.0.256""#),
        ErrorCase("bad IPv6 address", #"{"flow":{"IP":{"destination":"fd00::1::2"}}}"#,
                  path: "flow.IP.destination", "flow.IP.destination: expected an IP address", at: #""fd00"#),
        ErrorCase("bad uuid", #"{"flow":{"uuid":"6e1f4b2a-1c3d-4e5f-8a9b-0c1d2e3f4a5"}}"#, path: "flow.uuid",
                  "flow.uuid: expected a UUID (8-4-4-4-12 hex digits)", at: #""6e1f"#),
        ErrorCase("uuid with a non-hex digit", #"{"flow":{"uuid":"6e1f4b2a-1c3d-4e5f-8a9b-0c1d2e3f4a5g"}}"#, path: "flow.uuid",
                  "flow.uuid: expected a UUID (8-4-4-4-12 hex digits)", at: #""6e1f"#),
        ErrorCase("impossible date", #"{"flow":{"time":"2026-02-30T10:00:00Z"}}"#, path: "flow.time",
                  "flow.time: expected an RFC 3339 time", at: #""2026"#),
        ErrorCase("time without zone", #"{"flow":{"verdict":"DROPPED"},"time":"2026-11-20T10:00:00"}"#, path: "time",
                  "time: expected an RFC 3339 time", at: #""2026"#),
        ErrorCase("control character in a string", "{\"flow\":{\"Summary\":\"TCP\tFlags\"}}", path: "flow.Summary",
                  "flow.Summary: control character in string", at: "\t"),
        ErrorCase("control character in a long string", "{\"flow\":{\"Summary\":\"0123456789abcdef\u{1}0123456789abcdef\"}}",
                  path: "flow.Summary", "flow.Summary: control character in string", at: "\u{1}"),
        ErrorCase("invalid escape", #"{"flow":{"Summary":"a\qb"}}"#, path: "flow.Summary",
                  "flow.Summary: invalid escape sequence", at: #"\q"#),
        ErrorCase("invalid \\u escape", #"{"flow":{"Summary":"a\u00g9"}}"#, path: "flow.Summary",
                  #"flow.Summary: invalid \u escape"#, at: #"\u00g9"#),
        ErrorCase("nesting deeper than 64", nested, path: "flow.extensions",
                  "flow.extensions: nesting deeper than 64",
                  // The line and flow objects are two levels, so the 63rd bracket is the 65th level.
                  column: #"{"flow":{"extensions":"#.utf8.count + 63),
        ErrorCase("trailing garbage", #"{"flow":{"verdict":"DROPPED"}}garbage"#, path: "",
                  "unexpected data after the JSON value", at: "garbage"),
        ErrorCase("two objects on one line", #"{"flow":{"verdict":"DROPPED"}} {"flow":{"verdict":"FORWARDED"}}"#, path: "",
                  "unexpected data after the JSON value", at: #"{"flow":{"verdict":"FORWARDED""#),
        ErrorCase("wrong element type in labels", #"{"flow":{"source":{"labels":["k8s:app=a","k8s:b=c",7]}}}"#,
                  path: "flow.source.labels[2]", "flow.source.labels[2]: expected a string, found a number", at: "7]"),
        ErrorCase("labels not an array", #"{"flow":{"destination":{"labels":"k8s:app=a"}}}"#,
                  path: "flow.destination.labels", "flow.destination.labels: expected an array, found a string", at: #""k8s"#),
        ErrorCase("wrong element type in workloads", #"{"flow":{"destination":{"workloads":[{"name":"a"},"b"]}}}"#,
                  path: "flow.destination.workloads[1]",
                  "flow.destination.workloads[1]: expected an object, found a string", at: #""b""#),
        ErrorCase("wrong type in a policy", #"{"flow":{"egress_denied_by":[{"name":"a"},{"name":5}]}}"#,
                  path: "flow.egress_denied_by[1].name", "flow.egress_denied_by[1].name: expected a string, found a number",
                  at: "5}"),
        ErrorCase("a DNS name that is not a string", #"{"flow":{"destination_names":["a.example",7]}}"#,
                  path: "flow.destination_names[1]", "flow.destination_names[1]: expected a DNS name (a string), found a number",
                  at: "7]"),
        ErrorCase("names not an array", #"{"flow":{"source_names":"a.example"}}"#, path: "flow.source_names",
                  "flow.source_names: expected an array, found a string", at: #""a.example""#),
        ErrorCase("a NUL in a DNS name", #"{"flow":{"destination_names":["a\u0000.example"]}}"#, path: "flow.destination_names[0]",
                  "flow.destination_names[0]: a DNS name with a control character", at: #""a\u0000"#),
        ErrorCase("a DNS name too long", #"{"flow":{"destination_names":[""# + String(repeating: "a", count: 255) + #""]}}"#,
                  path: "flow.destination_names[0]", "flow.destination_names[0]: a DNS name longer than 254 bytes", at: #""aaa"#),
        ErrorCase("too many DNS names", #"{"flow":{"destination_names":["# + String(repeating: #""a","#, count: 256) + #""b"]}}"#,
                  path: "flow.destination_names[256]", "flow.destination_names[256]: more than 256 DNS names", at: #""b""#),
        ErrorCase("identity out of range", #"{"flow":{"source":{"identity":4294967296}}}"#, path: "flow.source.identity",
                  "flow.source.identity: integer out of range 0...4294967295", at: "4294967296"),
        ErrorCase("bare flow field", #"{"verdict":true}"#, path: "verdict",
                  "verdict: expected an enum name or number, found a boolean", at: "true"),
        ErrorCase("lost event count not a number", #"{"lost_events":{"num_events_lost":"many"}}"#,
                  path: "lost_events.num_events_lost", "lost_events.num_events_lost: expected an integer", at: #""many""#),
        ErrorCase("invalid literal", #"{"flow":{"is_reply":tru}}"#, path: "flow.is_reply",
                  "flow.is_reply: invalid literal", at: "tru"),
        // Every object names the key whose skipped value is malformed, `l4` included (it used to
        // stop at `flow.l4`), and an index counts null elements too (it used to skip them).
        ErrorCase("malformed value of an unknown l4 key", #"{"flow":{"l4":{"future":[1,}}}"#, path: "flow.l4.future",
                  "flow.l4.future: expected a value, found '}'", at: "}}}"),
        ErrorCase("malformed value of an unknown TCP key", #"{"flow":{"l4":{"TCP":{"future":[1,}}}}"#,
                  path: "flow.l4.TCP.future", "flow.l4.TCP.future: expected a value, found '}'", at: "}}}}"),
        ErrorCase("a policy after a null element", #"{"flow":{"egress_denied_by":[null,{"name":5}]}}"#,
                  path: "flow.egress_denied_by[1].name", "flow.egress_denied_by[1].name: expected a string, found a number",
                  at: "5}"),
        ErrorCase("a workload after a null element", #"{"flow":{"destination":{"workloads":[null,{"name":5}]}}}"#,
                  path: "flow.destination.workloads[1].name",
                  "flow.destination.workloads[1].name: expected a string, found a number", at: "5}"),
    ]

    @Test(arguments: errorCases)
    func rejectsMalformedLine(_ testCase: ErrorCase) throws {
        let problem = try #require(decodingProblem(testCase.line))
        #expect(problem.description == testCase.description)
        #expect(problem.fieldPath == testCase.fieldPath)
        #expect(problem.column == testCase.column)
    }

    @Test func problemCarriesPathComponents() throws {
        let problem = try #require(decodingProblem(#"{"flow":{"source":{"labels":["a",{}]}}}"#))
        #expect(problem.path == ["flow", "source", "labels", "[1]"])
        #expect(problem.message == "expected a string, found an object")
        #expect(problem.description == "flow.source.labels[1]: expected a string, found an object")
    }

    @Test func nestingOf64LevelsIsAccepted() throws {
        // The line object and the flow object are two levels; 62 arrays make 64.
        let line = #"{"flow":{"verdict":"DROPPED","extensions":"# + String(repeating: "[", count: 62)
            + String(repeating: "]", count: 62) + "}}"
        #expect(try decodedFlow(line).verdict == .dropped)
    }

    // MARK: - Invalid UTF-8

    struct UTF8Case: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        /// 1-based column of the first byte that is not valid UTF-8.
        var column: Int
        var testDescription: String { name }

        init(_ name: String, _ before: String, _ bad: [UInt8], _ after: String) {
            self.name = name
            bytes = Array(before.utf8) + bad + Array(after.utf8)
            column = before.utf8.count + 1
        }
    }

    static let utf8Cases: [UTF8Case] = [
        UTF8Case("0xFF in a string", #"{"flow":{"Summary":""#, [0xFF], #""}}"#),
        UTF8Case("overlong slash", #"{"flow":{"Summary":"a"#, [0xC0, 0xAF], #""}}"#),
        UTF8Case("UTF-16 surrogate", #"{"flow":{"Summary":""#, [0xED, 0xA0, 0x80], #""}}"#),
        UTF8Case("past U+10FFFF", #"{"flow":{"Summary":""#, [0xF4, 0x90, 0x80, 0x80], #""}}"#),
        UTF8Case("stray continuation byte in a key", #"{"flow":{"Sum"#, [0x80], #"mary":"x"}}"#),
        UTF8Case("truncated sequence at the end of the line", #"{"flow":{}}"#, [0xE2, 0x82], ""),
    ]

    @Test(arguments: utf8Cases)
    func rejectsInvalidUTF8(_ testCase: UTF8Case) throws {
        let problem = try #require(decodingProblem(bytes: testCase.bytes))
        #expect(problem.description == "invalid UTF-8")
        #expect(problem.path.isEmpty)
        #expect(problem.column == testCase.column)
    }

    /// The column of invalid UTF-8 must point at the bad byte even when a valid multi-byte
    /// character sits where a bisection over prefixes would cut it in half.
    @Test func invalidUTF8ColumnIsTheFirstBadByteAfterAMultiByteCharacter() throws {
        // 40 bytes: the `é` starts at byte 20 (0-based), the bad 0xFF is at byte 36.
        let before = Array(#"{"flow":{"Summary":""#.utf8) + [0xC3, 0xA9] + Array(String(repeating: "x", count: 14).utf8)
        let bytes = before + [0xFF] + Array(#""}}"#.utf8)
        #expect(bytes.count == 40)
        let problem = try #require(decodingProblem(bytes: bytes))
        #expect(problem.description == "invalid UTF-8")
        #expect(problem.column == 37)
    }

    @Test func validMultiByteTextDecodes() throws {
        let decoded = try decodedFlow(#"{"flow":{"Summary":"café ☕ 😀","source":{"labels":["k8s:owner=zoë"]}}}"#)
        #expect(decoded.summary == "café ☕ 😀")
        #expect(decoded.source.labels == ["k8s:owner=zoë"])
    }

    // MARK: - Endpoint cache

    @Test func decodingTheSameLineTwiceGivesEqualFlows() throws {
        var decoder = FlowDecoder()
        let line = Fixtures.line()
        let first = try decoder.decode(line)
        let second = try decoder.decode(line)
        #expect(first == second)
        #expect(second == .flow(Fixtures.droppedFlow))
    }

    @Test func aRepeatedEndpointIsSharedNotDecodedAgain() throws {
        var decoder = FlowDecoder()
        let firstRecord = try decoder.decode(Fixtures.line())
        let secondRecord = try decoder.decode(Fixtures.line(["verdict": #""FORWARDED""#]))
        let first = try #require(firstRecord.flow)
        let second = try #require(secondRecord.flow)
        #expect(first.source.sharedIdentity == second.source.sharedIdentity)
        #expect(second.source == Fixtures.frontend)
    }

    @Test func endpointsSharingALongPrefixStayDistinct() throws {
        // Both endpoints share their first 60 bytes, far more than the cache's hashed prefix.
        let common = #"{"identity":51234,"namespace":"production","labels":["k8s:app=frontend"#
        let a = common + #""],"pod_name":"frontend-1"}"#
        let b = common + #"-canary"],"pod_name":"frontend-1"}"#
        let c = common + #""],"pod_name":"frontend-2"}"#
        let expectedA = Endpoint(identity: 51234, namespace: "production", podName: "frontend-1", labels: ["k8s:app=frontend"])
        let expectedB = Endpoint(identity: 51234, namespace: "production", podName: "frontend-1", labels: ["k8s:app=frontend-canary"])
        let expectedC = Endpoint(identity: 51234, namespace: "production", podName: "frontend-2", labels: ["k8s:app=frontend"])

        var decoder = FlowDecoder()
        for _ in 0..<2 {
            for (json, expected) in [(a, expectedA), (b, expectedB), (c, expectedC)] {
                let record = try decoder.decode(#"{"flow":{"source":"# + json + "}}")
                #expect(record.flow?.source == expected)
            }
        }
        // Source and destination in one line, differing only near the end.
        let both = try decoder.decode(#"{"flow":{"source":"# + a + #","destination":"# + c + "}}")
        #expect(both.flow?.source == expectedA)
        #expect(both.flow?.destination == expectedC)
    }

    @Test func cachedEndpointIsNotMistakenForALongerInput() throws {
        var decoder = FlowDecoder()
        let short = #"{"identity":1001,"labels":["k8s:app=web"]}"#
        _ = try decoder.decode(#"{"flow":{"source":"# + short + "}}")
        // Same leading bytes, then more members: must not reuse the cached endpoint.
        let longer = #"{"identity":1001,"labels":["k8s:app=web","k8s:tier=front"]}"#
        let record = try decoder.decode(#"{"flow":{"source":"# + longer + "}}")
        #expect(record.flow?.source.labels == ["k8s:app=web", "k8s:tier=front"])
    }

    @Test func endpointsStayCorrectAfterTheCacheFillsUp() throws {
        var decoder = FlowDecoder()
        func line(_ n: Int) -> String {
            #"{"flow":{"source":{"identity":"# + String(n) + #","namespace":"production","labels":["k8s:app=svc-"# + String(n) + #""]}}}"#
        }
        for n in 0..<3000 {
            let record = try decoder.decode(line(n))
            #expect(record.flow?.source.identity == UInt32(n))
        }
        let again = try decoder.decode(line(7))
        #expect(again.flow?.source == Endpoint(identity: 7, namespace: "production", labels: ["k8s:app=svc-7"]))
    }

    @Test func cachedEndpointAfterAnErrorLine() throws {
        var decoder = FlowDecoder()
        let broken = #"{"flow":{"source":{"identity":51234,"namespace":"production","labels":["k8s:app=frontend",1]}}}"#
        #expect(throws: JSONDecodingProblem.self) { try decoder.decode(broken) }
        let good = try decoder.decode(#"{"flow":{"source":{"identity":51234,"namespace":"production","labels":["k8s:app=frontend"]}}}"#)
        #expect(good.flow?.source == Endpoint(identity: 51234, namespace: "production", labels: ["k8s:app=frontend"]))
    }
}

import Testing
@testable import FlowlogModel
@testable import FlowlogStore
import FlowlogTestSupport

/// The flags added to follow `hubble observe` (issue #12, item 6): how their values are read,
/// and what ``FlowQuery/matches(_:)`` — the definition both stores are checked against — does with them.
@Suite struct HubbleFlagsTests {
    // MARK: - FQDN patterns

    @Test(arguments: [
        ("api.example.com", "api.example.com", true),
        ("api.example.com", "API.Example.COM.", true),
        ("api.example.com.", "api.example.com", true),
        ("api.example.com", "xapi.example.com", false),
        ("*.example.com", "api.example.com", true),
        ("*.example.com", "a.b.example.com", true),
        ("*.example.com", "example.com", false),
        ("*example.com", "example.com", true),
        ("cdn.*", "cdn.example.net", true),
        ("*", "anything.at.all", true),
        ("*", "under_score", false),
        ("under_score", "under_score", true),
        ("a*b*c", "aXbYc", true),
        ("a*b*c", "a_b_c", false),
        ("*.example", "a\"b.example", false),
        ("*.example", "ünï.example", false),
    ])
    func fqdnPatternMatchesAsHubbleDoes(_ pattern: String, _ name: String, _ expected: Bool) throws {
        let parsed = try #require(FQDNPattern(pattern))
        #expect(parsed.matches(name) == expected)
    }

    @Test(arguments: ["", ".", "a b", "a..", "ex\"ample.com", "ünï.example", "a/b"])
    func fqdnPatternRefusesWhatNoNameHolds(_ text: String) {
        #expect(FQDNPattern(text) == nil)
    }

    // MARK: - Workloads

    @Test(arguments: [
        ("api", true), ("Deployment/api", true), ("production/api", true), ("Deployment/", true),
        ("StatefulSet/api", false), ("staging/api", false), ("deployment/api", false), ("web", false),
    ])
    func workloadFilterTakesNameKindOrNamespace(_ text: String, _ expected: Bool) {
        #expect(WorkloadFilter(parsing: text).matches(Fixtures.pod("api")) == expected)
    }

    // MARK: - Reading the flags

    static func read(_ change: (inout FlowQueryFlags) -> Void) throws(FlowQueryFlagError) -> FlowQuery {
        var flags = FlowQueryFlags()
        change(&flags)
        return try flags.query(now: Timestamp(rawValue: 0))
    }

    @Test func flagsAreReadIntoTheQuery() throws {
        let query = try Self.read {
            $0.ip = ["10.0.0.0/8"]
            $0.fromPort = ["53"]
            $0.toPort = ["5432"]
            $0.type = ["trace:to-endpoint", "POLICY-VERDICT", "drop:133", "129"]
            $0.identity = ["world"]
            $0.fromIdentity = ["48213"]
            $0.toIdentity = ["Remote-Node"]
            $0.fqdn = ["*.example.com"]
            $0.workload = ["Deployment/api"]
            $0.uuid = ["7B0C1F2E-0001-4A00-8000-00000000F001"]
            $0.tcpFlags = ["syn,ack", "RST"]
        }
        #expect(query.ips == [CIDR("10.0.0.0/8")!])
        #expect(query.sourcePorts == [53] && query.destinationPorts == [5432])
        #expect(query.eventTypes == [EventTypeFilter(type: 4, subType: 0), EventTypeFilter(type: 5),
                                     EventTypeFilter(type: 1, subType: 133), EventTypeFilter(type: 129)])
        #expect(query.either.identities == [2] && query.source.identities == [48213] && query.destination.identities == [6])
        #expect(query.names == [FQDNPattern("*.example.com")!])
        #expect(query.either.workloads == [WorkloadFilter(qualifier: "Deployment", name: "api")])
        #expect(query.uuids == [FlowUUID("7b0c1f2e-0001-4a00-8000-00000000f001")!])
        #expect(query.tcpFlags == [[.syn, .ack], .rst])
    }

    @Test(arguments: [
        ("--ip", flags { $0.ip = ["10.0.0.300"] }),
        ("--from-port", flags { $0.fromPort = ["65536"] }),
        ("--to-port", flags { $0.toPort = ["http"] }),
        ("--type", flags { $0.type = ["agent"] }),
        ("--type", flags { $0.type = ["debug"] }),
        ("--type", flags { $0.type = ["trace:to-nowhere"] }),
        ("--type", flags { $0.type = ["-1"] }),
        ("--identity", flags { $0.identity = ["everyone"] }),
        ("--to-identity", flags { $0.toIdentity = ["4294967296"] }),
        ("--fqdn", flags { $0.fqdn = ["exa mple.com"] }),
        ("--uuid", flags { $0.uuid = ["7b0c1f2e"] }),
        ("--tcp-flags", flags { $0.tcpFlags = ["SYN,"] }),
        ("--tcp-flags", flags { $0.tcpFlags = ["XMAS"] }),
        ("--not", flags { var negated = FlowQueryFlags(); negated.since = "1h"; $0.negated = [negated] }),
    ] as [(String, FlowQueryFlags)])
    func badValuesNameTheirFlag(_ flag: String, _ flags: FlowQueryFlags) {
        #expect { try flags.query(now: Timestamp(rawValue: 0)) } throws: { ($0 as? FlowQueryFlagError)?.flag == flag }
    }

    static func flags(_ change: (inout FlowQueryFlags) -> Void) -> FlowQueryFlags {
        var flags = FlowQueryFlags()
        change(&flags)
        return flags
    }

    @Test(arguments: ["dropped", "Dropped", "DROPPED"])
    func enumValuesAreReadInAnyCase(_ verdict: String) throws {
        let query = try Self.read {
            $0.verdict = [verdict]
            $0.dropReason = ["policy_denied"]
            $0.protocolName = ["TCP"]
            $0.trafficDirection = ["Ingress"]
            $0.type = ["Trace"]
        }
        #expect(query.verdicts == [.dropped] && query.dropReasons == [.policyDenied] && query.protocols == [.tcp])
        #expect(query.trafficDirections == [.ingress] && query.eventTypes == [EventTypeFilter(type: 4)])
    }

    // MARK: - --not

    static let spellings = ["--namespace": "--namespace", "-n": "--namespace", "--ip": "--ip", "--port": "--port"]

    @Test(arguments: [
        (["observe", "--not", "--namespace", "a"], ["--namespace": Set([0])]),
        (["observe", "-n", "a", "--not", "-n", "b", "--ip", "1.2.3.4"], ["--namespace": Set([1])]),
        (["observe", "--namespace=a", "--not", "--namespace=b", "--not", "--ip", "10.0.0.0/8"], ["--namespace": Set([1]), "--ip": Set([0])]),
        (["observe", "--not", "-nkube-system"], ["--namespace": Set([0])]),
        (["observe", "--db", "x.db", "--ip", "1.2.3.4", "--not", "--port", "53"], ["--port": Set([0])]),
        (["observe", "--ip", "1.2.3.4"], [:]),
        (["observe", "--", "--not"], [:]),
    ] as [([String], [String: Set<Int>])])
    func notNegatesTheNextFilterOnly(_ arguments: [String], _ expected: [String: Set<Int>]) throws {
        #expect(try NegatedFlagScan.negatedOccurrences(in: arguments, spellings: Self.spellings) == expected)
    }

    @Test(arguments: [["--not", "--not", "--ip", "1.2.3.4"], ["--ip", "1.2.3.4", "--not"], ["--not", "--since", "1h"],
                      ["--not", "--all"]])
    func notWithoutAFilterIsRefused(_ arguments: [String]) {
        #expect(throws: FlowQueryFlagError.self) { try NegatedFlagScan.negatedOccurrences(in: arguments, spellings: Self.spellings) }
    }

    // MARK: - Matching

    static let synToAPI: Flow = {
        var flow = Fixtures.flow()
        flow.l4.tcpFlags = [.syn]
        flow.eventType = 4
        flow.uuid = FlowUUID("7b0c1f2e-0001-4a00-8000-00000000f001")
        return flow
    }()

    static let synAckFromAPI: Flow = {
        var flow = Fixtures.flow(source: Fixtures.pod("api", identity: 2000), destination: Fixtures.pod("frontend"),
                                 sourceIP: "10.0.2.20", destinationIP: "10.0.1.15",
                                 l4: Layer4(proto: .tcp, sourcePort: 8080, destinationPort: 43512, tcpFlags: [.syn, .ack]))
        flow.eventType = 4
        flow.eventSubType = 3
        return flow
    }()

    static let dropToWorld: Flow = {
        var flow = Fixtures.flow(verdict: .dropped, reason: .policyDenied, destination: Fixtures.world,
                                 sourceIP: nil, destinationIP: "203.0.113.9", l4: Layer4(proto: .udp, sourcePort: 5353, destinationPort: 53))
        flow.eventType = 1
        flow.eventSubType = 133
        flow.destinationNames = ["dns.example.com"]
        return flow
    }()

    static func query(_ change: (inout FlowQuery) -> Void) -> FlowQuery {
        var query = FlowQuery()
        change(&query)
        return query
    }

    /// Which of `synToAPI`, `synAckFromAPI`, `dropToWorld` pass.
    @Test(arguments: [
        ("--ip either side", query { $0.ips = [CIDR("10.0.2.20")!] }, [true, true, false]),
        ("--ip with no source address", query { $0.ips = [CIDR("203.0.113.0/24")!] }, [false, false, true]),
        ("--from-port", query { $0.sourcePorts = [8080] }, [false, true, false]),
        ("--to-port", query { $0.destinationPorts = [53, 8080] }, [true, false, true]),
        ("--type trace", query { $0.eventTypes = [EventTypeFilter(type: 4)] }, [true, true, false]),
        ("--type trace:to-stack", query { $0.eventTypes = [EventTypeFilter(type: 4, subType: 3)] }, [false, true, false]),
        ("--type drop:133", query { $0.eventTypes = [EventTypeFilter(type: 1, subType: 133)] }, [false, false, true]),
        ("--identity 2000", query { $0.either.identities = [2000] }, [false, true, false]),
        ("--to-identity world", query { $0.destination.identities = [2] }, [false, false, true]),
        ("--from-workload api", query { $0.source.workloads = [WorkloadFilter(parsing: "api")] }, [false, true, false]),
        ("--uuid", query { $0.uuids = [FlowUUID("7b0c1f2e-0001-4a00-8000-00000000f001")!] }, [true, false, false]),
        ("--tcp-flags SYN", query { $0.tcpFlags = [.syn] }, [true, true, false]),
        ("--tcp-flags SYN,ACK", query { $0.tcpFlags = [[.syn, .ack]] }, [false, true, false]),
        ("--tcp-flags FIN --tcp-flags SYN,ACK", query { $0.tcpFlags = [.fin, [.syn, .ack]] }, [false, true, false]),
        ("--to-fqdn '*.example.com'", query { $0.destinationNames = [FQDNPattern("*.example.com")!] }, [false, false, true]),
        ("--from-fqdn '*.example.com'", query { $0.sourceNames = [FQDNPattern("*.example.com")!] }, [false, false, false]),
        ("--not --ip (no source address)", query { $0.exclusions = [query { $0.sourceIPs = [CIDR("10.0.0.0/8")!] }] },
         [false, false, true]),
        ("--not --tcp-flags SYN --not --to-port 8080", query {
            $0.exclusions = [query { $0.tcpFlags = [.syn]; $0.destinationPorts = [8080] }] }, [false, true, true]),
        ("--type trace --not --identity 2000", query {
            $0.eventTypes = [EventTypeFilter(type: 4)]; $0.exclusions = [query { $0.either.identities = [2000] }] },
         [true, false, false]),
    ] as [(String, FlowQuery, [Bool])])
    func newFiltersMatchFlows(_ name: String, _ query: FlowQuery, _ expected: [Bool]) {
        #expect([Self.synToAPI, Self.synAckFromAPI, Self.dropToWorld].map(query.matches) == expected, "\(name)")
    }

    /// Every filter the rollups do not keep sends drops and connections to the flows.
    @Test(arguments: [
        ("identity", query { $0.either.identities = [2] }, true),
        ("workload", query { $0.source.workloads = [WorkloadFilter(parsing: "api")] }, true),
        ("--ip", query { $0.ips = [CIDR("10.0.0.1")!] }, false),
        ("--from-port", query { $0.sourcePorts = [1] }, false),
        ("--to-port", query { $0.destinationPorts = [1] }, false),
        ("--type", query { $0.eventTypes = [EventTypeFilter(type: 1)] }, false),
        ("--fqdn", query { $0.names = [FQDNPattern("a.b")!] }, false),
        ("--to-fqdn", query { $0.destinationNames = [FQDNPattern("a.b")!] }, false),
        ("--uuid", query { $0.uuids = [FlowUUID("7b0c1f2e-0001-4a00-8000-00000000f001")!] }, false),
        ("--tcp-flags", query { $0.tcpFlags = [.syn] }, false),
        ("--not", query { $0.exclusions = [query { $0.either.namespaces = ["a"] }] }, false),
    ] as [(String, FlowQuery, Bool)])
    func dropRollupServesOnlyWhatItKeeps(_ name: String, _ query: FlowQuery, _ served: Bool) {
        #expect(query.isServedByDropRollup == served, "\(name)")
    }
}

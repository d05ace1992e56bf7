import Foundation
import Testing

/// `hubble observe`'s filter flags on the built binary (issue #12, item 6), each checked against
/// the sample capture read independently with Foundation's JSON parser.
@Suite struct HubbleFlagsCLITests {
    let scratch: Scratch
    let database: String

    init() throws {
        scratch = try Scratch()
        database = scratch.path("flows.db")
        try Flowlog.ingestSample(into: database)
    }

    /// The sample's flows that flowlog stores (a verdict that is not a name is a skipped line).
    nonisolated(unsafe) static let flows: [[String: Any]] = SampleFlowsTests.records.compactMap { record in
        guard let flow = record["flow"] as? [String: Any], flow["verdict"] is String else { return nil }
        return flow
    }

    static func uuids(_ predicate: ([String: Any]) -> Bool) -> Set<String> {
        Set(flows.filter(predicate).compactMap { $0["uuid"] as? String })
    }

    static func side(_ flow: [String: Any], _ key: String) -> [String: Any] { flow[key] as? [String: Any] ?? [:] }
    static func ip(_ flow: [String: Any], _ key: String) -> String? { side(flow, "IP")[key] as? String }
    static func ports(_ flow: [String: Any]) -> (source: Int, destination: Int)? {
        let l4 = side(flow, "l4")
        guard let ports = (l4["TCP"] ?? l4["UDP"] ?? l4["SCTP"]) as? [String: Any] else { return nil }
        return (ports["source_port"] as? Int ?? 0, ports["destination_port"] as? Int ?? 0)
    }
    static func tcpFlags(_ flow: [String: Any]) -> Set<String> {
        let flags = (side(flow, "l4")["TCP"] as? [String: Any])?["flags"] as? [String: Bool] ?? [:]
        return Set(flags.filter(\.value).keys)
    }
    static func eventType(_ flow: [String: Any]) -> (Int, Int) {
        let event = side(flow, "event_type")
        return (event["type"] as? Int ?? 0, event["sub_type"] as? Int ?? 0)
    }
    static func workloads(_ endpoint: [String: Any]) -> [(kind: String, name: String)] {
        (endpoint["workloads"] as? [[String: Any]] ?? []).map { ($0["kind"] as? String ?? "", $0["name"] as? String ?? "") }
    }

    /// The uuids `observe --all -o json` prints for `filters`.
    func observedUUIDs(_ filters: [String]) throws -> Set<String> {
        let result = try Flowlog.run(["observe", "--db", database, "--all", "-o", "json"] + filters)
        #expect(result.status == 0, "\(result.standardError)")
        return Set(result.standardOutput.split(separator: "\n").compactMap { line in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return (object?["flow"] as? [String: Any])?["uuid"] as? String
        })
    }

    struct FlagCase: Sendable, CustomTestStringConvertible {
        var filters: [String]
        var expected: @Sendable () -> Set<String>
        var testDescription: String { filters.joined(separator: " ") }
    }

    static let cases: [FlagCase] = [
        FlagCase(filters: ["--ip", "10.0.1.23"]) { uuids { ip($0, "source") == "10.0.1.23" || ip($0, "destination") == "10.0.1.23" } },
        FlagCase(filters: ["--from-port", "53"]) { uuids { ports($0)?.source == 53 } },
        FlagCase(filters: ["--to-port", "5432", "--to-port", "53"]) { uuids { [5432, 53].contains(ports($0)?.destination ?? -1) } },
        FlagCase(filters: ["-t", "policy-verdict"]) { uuids { eventType($0).0 == 5 } },
        FlagCase(filters: ["--type", "trace:to-overlay"]) { uuids { eventType($0) == (4, 4) } },
        FlagCase(filters: ["--type", "trace:to-endpoint"]) { uuids { eventType($0) == (4, 0) } },
        FlagCase(filters: ["--identity", "world"]) {
            uuids { side($0, "source")["identity"] as? Int == 2 || side($0, "destination")["identity"] as? Int == 2 } },
        FlagCase(filters: ["--from-identity", "23117", "--to-identity", "16777217"]) {
            uuids { side($0, "source")["identity"] as? Int == 23117 && side($0, "destination")["identity"] as? Int == 16777217 } },
        FlagCase(filters: ["--workload", "Deployment/coredns"]) {
            uuids { flow in ["source", "destination"].contains { workloads(side(flow, $0)).contains { $0 == ("Deployment", "coredns") } } } },
        FlagCase(filters: ["--to-workload", "production/database"]) {
            uuids { flow in side(flow, "destination")["namespace"] as? String == "production"
                && workloads(side(flow, "destination")).contains { $0.name == "database" } } },
        FlagCase(filters: ["--uuid", "0CBEBE84-F7A4-43FA-B0DD-04FF4196FB30"]) { ["0cbebe84-f7a4-43fa-b0dd-04ff4196fb30"] },
        FlagCase(filters: ["--tcp-flags", "SYN,ACK"]) { uuids { tcpFlags($0).isSuperset(of: ["SYN", "ACK"]) } },
        FlagCase(filters: ["--tcp-flags", "fin", "--tcp-flags", "SYN,ACK"]) {
            uuids { tcpFlags($0).contains("FIN") || tcpFlags($0).isSuperset(of: ["SYN", "ACK"]) } },
        FlagCase(filters: ["--not", "--namespace", "monitoring"]) {
            uuids { side($0, "source")["namespace"] as? String != "monitoring" && side($0, "destination")["namespace"] as? String != "monitoring" } },
        FlagCase(filters: ["--from-namespace", "production", "--not", "--verdict", "forwarded"]) {
            uuids { side($0, "source")["namespace"] as? String == "production" && $0["verdict"] as? String != "FORWARDED" } },
        FlagCase(filters: ["--verdict", "dropped", "--not", "--type", "policy-verdict", "--protocol", "TCP"]) {
            uuids { $0["verdict"] as? String == "DROPPED" && eventType($0).0 != 5 && side($0, "l4")["TCP"] != nil } },
        FlagCase(filters: ["--since", "2026-11-20", "--until", "2026-11-20T11:00"]) {
            uuids { ($0["time"] as? String ?? "") < "2026-11-20T11:00:00" } },
        FlagCase(filters: ["--since", "2026-11-20T11:30"]) { uuids { ($0["time"] as? String ?? "") >= "2026-11-20T11:30:00" } },
    ]

    @Test(arguments: cases)
    func filterSelectsWhatHubbleWould(_ testCase: FlagCase) throws {
        let expected = testCase.expected()
        #expect(!expected.isEmpty && expected.count < Self.flows.count, "the case must select some but not all flows")
        #expect(try observedUUIDs(testCase.filters) == expected)
    }

    @Test func firstShowsTheOldestFlowsInTimeOrder() throws {
        let result = try Flowlog.run(["observe", "--db", database, "--first", "4", "-o", "json", "--verdict", "DROPPED"])
        #expect(result.status == 0, "\(result.standardError)")
        let times = result.standardOutput.split(separator: "\n").compactMap { line in
            ((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]).flatMap { ($0["flow"] as? [String: Any])?["time"] as? String }
        }
        let expected = Self.flows.filter { $0["verdict"] as? String == "DROPPED" }.compactMap { $0["time"] as? String }.sorted().prefix(4)
        #expect(times == Array(expected))
        let conflict = try Flowlog.run(["observe", "--db", database, "--first", "4", "--last", "2"])
        #expect(conflict.status == 64 && conflict.standardError.contains("--first"))
    }

    @Test func jsonpbLinesAreIngestedBackAsTheSameFlows() throws {
        let selection = ["--namespace", "kube-system"]
        let printed = try Flowlog.run(["observe", "--db", database, "--all", "-o", "jsonpb"] + selection)
        #expect(printed.status == 0)
        #expect(printed.standardOutput.split(separator: "\n").allSatisfy { $0.hasPrefix("{\"flow\":{") })
        let copy = scratch.path("copy.db")
        let ingest = try Flowlog.run(["ingest", "--db", copy, "-"], input: Data(printed.standardOutput.utf8))
        #expect(ingest.status == 0, "\(ingest.standardError)")
        let again = try Flowlog.run(["observe", "--db", copy, "--all", "-o", "jsonpb"])
        #expect(again.standardOutput == printed.standardOutput)
        #expect(!printed.standardOutput.isEmpty)
    }

    @Test func dictPrintsOneKeyValueBlockPerFlow() throws {
        let result = try Flowlog.run(["observe", "--db", database, "--last", "3", "-o", "dict", "--verdict", "DROPPED"])
        #expect(result.status == 0)
        let blocks = result.standardOutput.components(separatedBy: "------------\n")
        #expect(blocks.count == 3)
        for block in blocks {
            let keys = block.split(separator: "\n").map { $0.split(separator: ":", maxSplits: 1)[0].trimmingCharacters(in: .whitespaces) }
            #expect(keys == ["TIMESTAMP", "SOURCE", "DESTINATION", "TYPE", "VERDICT", "SUMMARY", "NODE"])
            #expect(block.contains("\n    VERDICT: DROPPED\n"))
        }
    }

    @Test func dropsApplyTheNewFiltersToo() throws {
        func total(_ filters: [String]) throws -> Int {
            let result = try Flowlog.run(["drops", "--db", database, "-o", "json"] + filters)
            #expect(result.status == 0, "\(result.standardError)")
            let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
            return object?["total_drops"] as? Int ?? -1
        }
        let drops = Self.flows.filter { $0["verdict"] as? String == "DROPPED" && Self.eventType($0).0 != 5 }
        let toWorld = drops.filter { Self.side($0, "destination")["identity"] as? Int == 2 }.count
        #expect(toWorld > 0)
        #expect(try total(["--to-identity", "world"]) == toWorld)
        #expect(try total(["--not", "--to-identity", "world"]) == drops.count - toWorld)
        let toPort = drops.filter { Self.ports($0)?.destination == 8080 }.count
        #expect(toPort > 0 && toPort < drops.count)
        #expect(try total(["--to-port", "8080"]) == toPort)
    }

    @Test func fqdnFiltersMatchTheRecordedNames() throws {
        let fqdn = Flowlog.packageRoot.appendingPathComponent("SampleFlows/flows/fqdn.jsonl").path
        let names = scratch.path("names.db")
        #expect(try Flowlog.run(["ingest", "--db", names, fqdn]).status == 0)
        func count(_ filters: [String]) throws -> Int {
            let result = try Flowlog.run(["observe", "--db", names, "--all", "-o", "json"] + filters)
            #expect(result.status == 0, "\(result.standardError)")
            return result.standardOutput.split(separator: "\n").count
        }
        #expect(try count(["--to-fqdn", "api.stripe.com"]) == 1)
        #expect(try count(["--fqdn", "API.Stripe.com."]) == 2)
        #expect(try count(["--to-fqdn", "*.example.com"]) == 1)
        #expect(try count(["--to-fqdn", "*.example.*"]) == 2)
        let all = try count([])
        #expect(try count(["--not", "--fqdn", "*stripe.com"]) == all - 2)
    }

    @Test(arguments: [
        (["--not"], "--not: must be followed by a filter flag"),
        (["--not", "--not", "--ip", "10.0.0.1"], "consecutive --not"),
        (["--not", "--since", "1h"], "must be followed by a filter flag"),
        (["-t", "agent"], "events are not flows"),
        (["--tcp-flags", "SYN,XMAS"], "unknown TCP flag"),
        (["--identity", "everyone"], "not a security identity"),
        (["--since", "2026-11-2"], "a date (2026-11-20)"),
        (["--from-prt", "53"], "Did you mean '--from-port'?"),
        (["--tcp-flag", "SYN"], "Did you mean '--tcp-flags'?"),
    ] as [([String], String)])
    func badFlagsAreUsageErrors(_ filters: [String], _ message: String) throws {
        let result = try Flowlog.run(["observe", "--db", database] + filters)
        #expect(result.status == 64)
        #expect(result.standardError.contains(message), "\(result.standardError)")
    }
}

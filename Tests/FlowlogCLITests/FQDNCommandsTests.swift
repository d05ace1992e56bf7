import Foundation
import Testing

/// End-to-end: flows that carry Hubble's `destination_names`, a CiliumNetworkPolicy whose
/// egress section (default deny) allows two external APIs by name (`toFQDNs`).
@Suite struct FQDNCommandsTests {
    let scratch: Scratch
    let database: String
    static let flows = Flowlog.packageRoot.appendingPathComponent("SampleFlows/flows/fqdn.jsonl").path
    static let policies = "SampleFlows/policies-cilium-fqdn"

    init() throws {
        scratch = try Scratch()
        database = scratch.path("flows.db")
    }

    /// `evaluate -o jsonl` lines as (verdict, explanation) by input line.
    func evaluations() throws -> [Int: (verdict: String, explanation: String)] {
        let result = try Flowlog.run(["evaluate", "--policies", Self.policies, Self.flows])
        #expect(result.status == 0, "\(result.standardError)")
        var answers: [Int: (verdict: String, explanation: String)] = [:]
        for line in result.standardOutput.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            answers[try #require(object["line"] as? Int)] = (try #require(object["verdict"] as? String),
                                                             try #require(object["explanation"] as? String))
        }
        return answers
    }

    @Test func evaluateAllowsTheNamedDestinationsAndDeniesTheOthers() throws {
        let answers = try evaluations()
        #expect(answers.count == 6)
        #expect(answers[2]?.verdict == "ALLOWED")
        #expect(answers[2]?.explanation.hasPrefix("egress from the source: allowed by production/frontend-egress egress[1].toPorts[0] "
            + "(egress[1].toFQDNs[0] (matchName api.stripe.com) matches the destination name api.stripe.com)") == true)
        #expect(answers[4]?.verdict == "ALLOWED")
        #expect(answers[4]?.explanation.contains("toFQDNs[1] (matchPattern *.payments.example.com) matches the destination name eu.payments.example.com") == true)
        #expect(answers[5]?.verdict == "DENIED")
        #expect(answers[5]?.explanation.contains("isolated by production/frontend-egress; no rule allows this peer "
            + "(production/frontend-egress egress[1] toFQDNs matches none of the destination names (tracker.example.net))") == true)
        #expect(answers[6]?.verdict == "DENIED")
        #expect(answers[6]?.explanation.contains("egress[1] toFQDNs cannot match: the flow recorded no destination names") == true)
    }

    @Test func replayKeepsNamedAndUnnamedConnectionsApart() throws {
        let ingest = try Flowlog.run(["ingest", "--db", database, Self.flows])
        #expect(ingest.status == 0, "\(ingest.standardError)")
        let result = try Flowlog.run(["replay", "--db", database, "--policies", Self.policies, "-o", "json"])
        #expect(result.status == 0, "\(result.standardError)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let totals = try #require(report["totals"] as? [String: Any])
        // DNS, api.stripe.com and its reply, eu.payments.example.com; the tracker and the unnamed address break.
        #expect(totals["unchanged_allowed"] as? Int == 4)
        #expect(totals["would_break"] as? Int == 2)
        let groups = try #require(report["groups"] as? [[String: Any]])
        let breaking = try #require(groups.first { $0["outcome"] as? String == "would_break" })
        #expect((breaking["explanation"] as? String)?.contains("production/frontend-egress egress[1] toFQDNs") == true)
        let failing = try Flowlog.run(["replay", "--db", database, "--policies", Self.policies, "--fail-on-break"])
        #expect(failing.status == 3)
        // One policy file with one policy: the summary counts in the singular.
        #expect(failing.standardOutput.contains("\n1 policy; 2 flows would break, 0 would unblock"))
    }

    @Test func observeExportsTheNamesAndTheExportReingestsTheSame() throws {
        _ = try Flowlog.run(["ingest", "--db", database, Self.flows])
        let exported = try Flowlog.run(["observe", "--db", database, "-o", "json"])
        #expect(exported.status == 0, "\(exported.standardError)")
        #expect(exported.standardOutput.contains(#""destination_names":["eu.payments.example.com"]"#))
        #expect(exported.standardOutput.contains(#""source_names":["api.stripe.com"]"#))
        let copy = scratch.path("copy.db")
        let reingest = try Flowlog.run(["ingest", "--db", copy, "-"], input: Data(exported.standardOutput.utf8))
        #expect(reingest.status == 0, "\(reingest.standardError)")
        let again = try Flowlog.run(["observe", "--db", copy, "-o", "json"])
        #expect(again.standardOutput == exported.standardOutput)
    }
}

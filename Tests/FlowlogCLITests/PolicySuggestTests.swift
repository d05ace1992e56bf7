import Foundation
import Testing

/// End-to-end: `flowlog policy suggest` on the sample capture, against the seed's seven policies.
@Suite struct PolicySuggestTests {
    let scratch: Scratch
    let database: String

    init() throws {
        scratch = try Scratch()
        database = scratch.path("flows.db")
        try Flowlog.ingestSample(into: database)
    }

    /// Each valid line of the sample by line number: its recorded verdict and whether it is a reply.
    static func recorded() throws -> [Int: (verdict: String, isReply: Bool)] {
        var lines: [Int: (String, Bool)] = [:]
        let text = try String(contentsOfFile: Flowlog.sampleFlows, encoding: .utf8)
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let flow = object["flow"] as? [String: Any], let verdict = flow["verdict"] as? String else { continue }
            lines[index + 1] = (verdict, flow["is_reply"] as? Bool ?? false)
        }
        return lines
    }

    @Test func theSuggestionAgreesWithTheSeedPoliciesOnEveryRecordedRequest() throws {
        let result = try Flowlog.run(["policy", "suggest", "--db", database])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("  would break: 0 recorded FORWARDED flows\n"))
        #expect(result.standardError.contains("  drops that stay denied: 271; would unblock: 0; undecided: 0\n"))
        let path = scratch.path("suggested.yaml")
        try Data(result.standardOutput.utf8).write(to: URL(fileURLWithPath: path))

        let lint = try Flowlog.run(["policy", "lint", "--db", database, path])
        #expect(lint.status == 0)
        #expect(lint.standardOutput == "16 policies valid; 0 warnings\n", "\(lint.standardOutput)")

        // Flow by flow, the verdicts of the suggestion and of the seed's seven policies.
        let recorded = try Self.recorded()
        let suggested = try Flowlog.sampleVerdicts(["--policies", path])
        let seed = try Flowlog.sampleVerdicts(["--policies", "SampleFlows/policies"])
        #expect(suggested.count == 3499 && seed.count == 3499)
        var requests = 0
        var differentDrops: [Int] = []
        for (line, record) in recorded.sorted(by: { $0.key < $1.key }) where !record.isReply {
            if record.verdict == "FORWARDED" {
                requests += 1
                #expect(suggested[line] == "ALLOWED" && seed[line] == "ALLOWED", "line \(line): suggestion \(suggested[line] ?? "-"), seed \(seed[line] ?? "-")")
            } else if suggested[line] != seed[line] {
                differentDrops.append(line)
            }
        }
        #expect(requests == 3026 - 1446)
        // No drop is treated differently: the sample's drops are all requests that were never
        // forwarded (the test pod's scan, world → frontend, frontend → database, api and database
        // to outside addresses the seed does not allow), so the suggestion denies them as the seed does.
        #expect(differentDrops == [], "drops judged differently by the suggestion and the seed: lines \(differentDrops)")
    }

    @Test func theProductionSuggestionIsStable() throws {
        let result = try Flowlog.run(["policy", "suggest", "--db", database, "--namespace", "production"])
        #expect(result.status == 0, "\(result.standardError)")
        try Flowlog.expectGolden(result.standardOutput, "suggest-production.yaml")
        try Flowlog.expectGolden(result.standardError, "suggest-production-proof.txt")
    }

    @Test func oneFilePerNamespaceLoadsInReplay() throws {
        let directory = scratch.path("suggested")
        let result = try Flowlog.run(["policy", "suggest", "--db", database, "--out", directory, "-o", "json"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.hasPrefix("proof by replay: 16 suggested policies"))
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(files == ["ingress-nginx.json", "kube-system.json", "monitoring.json", "production.json"])
        let replay = try Flowlog.run(["replay", "--db", database, "--fail-on-break"] + files.flatMap { ["--policies", directory + "/" + $0] })
        #expect(replay.status == 0, "\(replay.standardError)")
        #expect(replay.standardOutput.contains("16 policies; 0 flows would break, 0 would unblock, 0 undecided"))
    }

    @Test func aNamespaceWithoutRecordedTrafficGetsNothing() throws {
        let result = try Flowlog.run(["policy", "suggest", "--db", database, "--namespace", "staging"])
        #expect(result.status == 0)
        #expect(result.standardOutput == "")
        #expect(result.standardError.hasPrefix("flowlog: namespace staging: no recorded FORWARDED request in the window; nothing suggested for it\n"))
    }

    @Test func anEmptyWindowSaysThereIsNothingToSuggest() throws {
        let result = try Flowlog.run(["policy", "suggest", "--db", database, "--since", "2020-01-01T00:00:00Z", "--until", "2020-01-02T00:00:00Z"])
        #expect(result.status == 0)
        #expect(result.standardOutput == "")
        #expect(result.standardError.hasPrefix("flowlog: no recorded FORWARDED request between pods in the window; nothing suggested\n"))
    }

    @Test func whatWouldBreakIsListedWithItsReasonAndExitsThree() throws {
        // A Cilium deny in force denies frontend → api on 3000, which the capture forwarded (704
        // flows with the replies, which replay judges as their connection).
        let result = try Flowlog.run(["policy", "suggest", "--db", database, "--namespace", "production",
                                      "--policies", "SampleFlows/policies-cilium-mixed"])
        #expect(result.status == 3)
        #expect(result.standardError.contains("  would break: 704 recorded FORWARDED flows (listed below)\n"))
        #expect(result.standardError.contains("  break: 704 flows production/app=frontend,tier=web → production/app=api,tier=backend TCP/3000: "))
        #expect(result.standardError.contains("production/api-freeze"))
        #expect(result.standardError.hasSuffix("flowlog: policy suggest: 704 recorded FORWARDED flows would be denied by the suggestion (see the proof)\n"))
    }

    @Test func diffShowsWhatChangesAgainstTheSeedPolicies() throws {
        let result = try Flowlog.run(["policy", "suggest", "--db", database, "--namespace", "production", "--diff", "SampleFlows/policies"])
        #expect(result.status == 0)
        #expect(result.standardError.contains("diff against SampleFlows/policies: 6 added, 6 removed, 1 changed, 0 unchanged\n"))
        #expect(result.standardError.contains("  + production/api-egress\n"))
        #expect(result.standardError.contains("  - production/default-deny-all\n"))
        #expect(result.standardError.contains("  ~ production/allow-dns\n"))
        #expect(result.standardError.contains("  recorded FORWARDED flows denied: 0 by SampleFlows/policies, 0 by the suggestion\n"))
    }

    /// `--max-prefix` takes the prefix alone or as it is written in a CIDR, as the issue's `/24`.
    @Test func aPrefixIsTakenWithOrWithoutItsSlash() throws {
        let plain = try Flowlog.run(["policy", "suggest", "--db", database, "--namespace", "production", "--max-prefix", "28"])
        let slashed = try Flowlog.run(["policy", "suggest", "--db", database, "--namespace", "production", "--max-prefix", "/28",
                                       "--max-prefix-v6", "/64"])
        #expect(plain.status == 0 && slashed.status == 0, "\(slashed.standardError)")
        #expect(slashed.standardOutput == plain.standardOutput)
        let wide = try Flowlog.run(["policy", "suggest", "--db", database, "--namespace", "production"])
        #expect(wide.standardOutput != plain.standardOutput, "a narrower --max-prefix changes the ipBlocks")
    }

    @Test(arguments: [
        (["--max-prefix", "33"], "--max-prefix must be 0 to 32"),
        (["--max-prefix", "/33"], "--max-prefix must be 0 to 32"),
        (["--max-prefix", "24x"], "'24x' is not a prefix length (such as 24 or /24)"),
        (["--max-prefix-v6", "129"], "--max-prefix-v6 must be 0 to 128"),
        (["--node-cidr", "10.0.0.0/40"], "--node-cidr 10.0.0.0/40: expected an address or address/prefix"),
    ])
    func badOptionsAreUsageErrors(arguments: [String], message: String) throws {
        let result = try Flowlog.run(["policy", "suggest", "--db", database] + arguments)
        #expect(result.status == 64)
        #expect(result.standardError.contains(message), "\(result.standardError)")
    }
}

/// The same suggestion and proof from ClickHouse as from SQLite.
@Suite(.enabled(if: ClickHouseCLI.server != nil, ClickHouseCLI.skipNote))
struct PolicySuggestClickHouseTests {
    @Test func clickHouseSuggestsWhatSQLiteSuggests() throws {
        let scratch = try Scratch()
        let name = ClickHouseCLI.freshName()
        defer { ClickHouseCLI.drop(name) }
        let clickhouse = ClickHouseCLI.url(name)
        let sqlite = try ClickHouseCLITests.ingestBoth(scratch, clickhouse: clickhouse)
        for extra in [[], ["--namespace", "production", "--diff", "SampleFlows/policies"]] {
            let expected = try Flowlog.run(["policy", "suggest", "--db", sqlite] + extra)
            let actual = try Flowlog.run(["policy", "suggest", "--db", clickhouse] + extra)
            #expect(actual.status == 0 && expected.status == 0, "\(actual.standardError)")
            #expect(!expected.standardOutput.isEmpty)
            #expect(actual.standardOutput == expected.standardOutput)
            #expect(actual.standardError == expected.standardError)
        }
    }
}

import Foundation
import Testing

/// End-to-end: evaluate, replay and policy lint with the seed's policies.
@Suite struct PolicyCommandsTests {
    let scratch: Scratch
    let database: String

    init() throws {
        scratch = try Scratch()
        database = scratch.path("flows.db")
    }

    @Test func theSingleFlowFormAnswersTheSeedsConnectivityChecks() throws {
        let cases: [(from: String, to: String, port: String, verdict: String)] = [
            ("production/app=frontend", "production/app=api", "3000/TCP", "ALLOWED"),
            ("production/run=test-pod", "production/app=database", "5432/TCP", "DENIED"),
            ("production/app=api", "203.0.113.10", "443", "ALLOWED"),
            ("production/app=api", "198.51.100.1", "443", "DENIED"),
            ("monitoring/app=prometheus", "production/app=database", "9090", "ALLOWED"),
            ("production/app=database", "kube-system/k8s-app=kube-dns", "53/UDP", "ALLOWED"),
            ("production/app=database", "production/app=api", "3000", "DENIED"),
        ]
        var transcript = ""
        for item in cases {
            let result = try Flowlog.run(["evaluate", "--policies", "SampleFlows/policies",
                                          "--from", item.from, "--to", item.to, "--port", item.port])
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardOutput.hasPrefix(item.verdict + "  "), "\(item)")
            transcript += result.standardOutput
        }
        try Flowlog.expectGolden(transcript, "evaluate-seed-checks.txt")
    }

    @Test func evaluateWritesOneResultPerFlowInInputOrder() throws {
        let result = try Flowlog.run(["evaluate", "--policies", "SampleFlows/policies", Flowlog.sampleFlows])
        #expect(result.status == 0)
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.count == 3499)
        var previous = 0
        var verdicts: [String: Int] = [:]
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let number = try #require(object["line"] as? Int)
            #expect(number > previous)
            previous = number
            verdicts[object["verdict"] as? String ?? "", default: 0] += 1
            #expect(object["egress"] is [String: Any] && object["ingress"] is [String: Any])
        }
        // The capture was recorded under these very policies: only the dropped records are denied.
        #expect(verdicts["DENIED"] == 473)
        #expect(verdicts["ALLOWED"] == 3499 - 473)
        #expect(result.standardError.contains("production.jsonl:512:903: warning:"))
    }

    @Test func anEmptyPolicyDirectoryAllowsEverything() throws {
        let empty = scratch.path("no-policies")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let result = try Flowlog.run(["evaluate", "--policies", empty, "-o", "table", Flowlog.sampleFlows])
        #expect(result.status == 0)
        let rows = result.standardOutput.split(separator: "\n").dropFirst()
        #expect(rows.count == 3499)
        #expect(rows.allSatisfy { $0.contains("  ALLOWED  ") })
    }

    @Test func anInvalidPolicyIsExit65WithItsLocation() throws {
        let result = try Flowlog.run(["evaluate", "--policies", "SampleFlows/broken-policies/port-name-invalid.yaml",
                                      "--from", "a/app=x", "--to", "a/app=y", "--port", "80"])
        #expect(result.status == 65)
        #expect(result.standardError.hasPrefix("SampleFlows/broken-policies/port-name-invalid.yaml:18:17: error: spec.ingress[0].ports[0].port: "))
        #expect(result.standardError.contains("\n          port: http_alt\n                ^"))
        #expect(result.standardOutput.isEmpty)
    }

    @Test func replayGatesAPolicyChangeThatBreaksTraffic() throws {
        _ = try Flowlog.run(["ingest", "--db", database, Flowlog.sampleFlows])
        let same = try Flowlog.run(["replay", "--db", database, "--policies", "SampleFlows/policies", "--fail-on-break"])
        #expect(same.status == 0)
        #expect(same.standardOutput.contains("7 policies; 0 flows would break, 0 would unblock"))
        let proposed = scratch.path("proposed")
        try FileManager.default.createDirectory(atPath: proposed, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: Flowlog.packageRoot.appendingPathComponent("SampleFlows/policies").path)
        where name != "allow-dns.yaml" {
            try FileManager.default.copyItem(atPath: Flowlog.packageRoot.appendingPathComponent("SampleFlows/policies/\(name)").path,
                                             toPath: proposed + "/" + name)
        }
        let broken = try Flowlog.run(["replay", "--db", database, "--policies", proposed, "--fail-on-break", "-o", "json"])
        #expect(broken.status == 3)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(broken.standardOutput.utf8)) as? [String: Any])
        let groups = try #require(report["groups"] as? [[String: Any]])
        #expect(!groups.isEmpty)
        #expect(groups.allSatisfy { ($0["destination"] as? String)?.hasPrefix("kube-system/") == true && $0["port"] as? Int == 53 })
        let markdown = try Flowlog.run(["replay", "--db", database, "--policies", proposed, "-o", "markdown"])
        #expect(markdown.status == 0)
        #expect(markdown.standardOutput.contains("### Would break: recorded FORWARDED, denied by these policies"))
    }

    @Test func lintWarnsAboutLikelyMistakes() throws {
        _ = try Flowlog.run(["ingest", "--db", database, Flowlog.sampleFlows])
        let clean = try Flowlog.run(["policy", "lint", "--db", database, "SampleFlows/policies"])
        #expect(clean.status == 0)
        #expect(clean.standardOutput == "7 policies valid; 0 warnings\n")
        let file = scratch.path("split.yaml")
        try Data("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata:
              name: split
              namespace: production
            spec:
              podSelector: {}
              policyTypes: [Ingress, Egress]
              ingress:
              - from:
                - namespaceSelector:
                    matchLabels:
                      kubernetes.io/metadata.name: monitoring
                - podSelector:
                    matchLabels:
                      app: prometheus

            """.utf8).write(to: URL(fileURLWithPath: file))
        let lint = try Flowlog.run(["policy", "lint", "--db", database, file])
        #expect(lint.status == 0)
        let lines = lint.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.contains("\(file):10:5: warning: production/split: ingress[0].from has a namespaceSelector and a podSelector as separate peers, so either one admits traffic; if both must hold, put them in one peer"))
        #expect(lines.contains("\(file):10:5: warning: production/split: ingress[0].from[1] matches no pod seen in the stored flows"))
        #expect(lines.contains("\(file):1:1: warning: production/split: denies all egress in namespace production and no policy there allows DNS (UDP 53): pods cannot resolve names"))
        #expect(lines.last == "1 policies valid; 3 warnings")
    }
}

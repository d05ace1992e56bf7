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
        try Flowlog.ingestSample(into: database)
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
        try Flowlog.ingestSample(into: database)
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
        #expect(lines.last == "1 policy valid; 3 warnings")
    }

    /// Found by the attack re-run: a loader warning was printed but not counted, and lint
    /// created the default database when there was none.
    @Test func lintCountsLoaderWarningsAndCreatesNoDatabase() throws {
        let file = scratch.path("unknown-field.yaml")
        try Data("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata:
              name: odd
              namespace: production
            spec:
              podSelector: {}
              foo: 1
              policyTypes: [Ingress]

            """.utf8).write(to: URL(fileURLWithPath: file))
        let home = scratch.path("home")
        let lint = try Flowlog.run(["policy", "lint", file], environment: ["HOME": home, "XDG_DATA_HOME": ""])
        #expect(lint.status == 0, "\(lint.standardError)")
        let lines = lint.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains("warning: spec.foo") }, "\(lines)")
        #expect(lines.last?.hasPrefix("1 policy valid; 1 warning") == true, "\(lines)")
        #expect(!FileManager.default.fileExists(atPath: home + "/.local/share/flowlog/flows.db"))
    }
}

/// Named ports (`--pods`) and namespace labels (`--namespaces`) from cluster objects.
@Suite struct ClusterObjectsCommandTests {
    static let policy = "SampleFlows/cluster/named-port-policy.yaml"

    @Test func aNamedPortIsUnknownWithoutPodsAndResolvedWithThem() throws {
        let flow = ["--from", "production/app=frontend", "--to", "production/app=api@10.0.3.5", "--port", "3000"]
        let unknown = try Flowlog.run(["evaluate", "--policies", Self.policy] + flow)
        #expect(unknown.standardOutput.hasPrefix("UNKNOWN  "))
        #expect(unknown.standardOutput.contains("names port \"http\", which the flow cannot resolve (give --pods)"))
        // The single-flow form has no pod name; a stored flow has. Evaluate one from a line.
        let line = #"{"flow":{"verdict":"FORWARDED","IP":{"source":"10.0.1.7","destination":"10.0.3.5"},"l4":{"TCP":{"source_port":41000,"destination_port":3000}},"source":{"identity":48213,"namespace":"production","labels":["k8s:app=frontend","k8s:io.kubernetes.pod.namespace=production"],"pod_name":"frontend-6b8f9c7d4f-2xkqp"},"destination":{"identity":23117,"namespace":"production","labels":["k8s:app=api","k8s:io.kubernetes.pod.namespace=production"],"pod_name":"api-5c9d8b7f64-hm4ks"},"is_reply":false}}"#
        let withoutPods = try Flowlog.run(["evaluate", "--policies", Self.policy, "-"], input: Data((line + "\n").utf8))
        #expect(withoutPods.standardOutput.contains(#""verdict":"UNKNOWN""#))
        let withPods = try Flowlog.run(["evaluate", "--policies", Self.policy, "--pods", "SampleFlows/cluster/pods.yaml", "-"],
                                       input: Data((line + "\n").utf8))
        #expect(withPods.status == 0, "\(withPods.standardError)")
        #expect(withPods.standardOutput.contains(#""verdict":"ALLOWED""#))
        #expect(withPods.standardOutput.contains(#""allowed_by":"production/api-by-port-name ingress[0]""#))
    }

    @Test func namespaceLabelsFromAFileCompleteTheFlows() throws {
        // The flow's endpoint carries no namespace labels; only namespaces.yaml says team=platform.
        let flow = ["--from", "monitoring/app=prometheus", "--to", "production/app=database", "--port", "5432"]
        let without = try Flowlog.run(["evaluate", "--policies", Self.policy] + flow)
        #expect(without.standardOutput.hasPrefix("DENIED  "))
        let with = try Flowlog.run(["evaluate", "--policies", Self.policy, "--namespaces", "SampleFlows/cluster/namespaces.yaml"] + flow)
        #expect(with.standardOutput.hasPrefix("ALLOWED  "), "\(with.standardOutput)\(with.standardError)")
    }
}

/// `ingest --follow` as a service manager stops it.
@Suite struct FollowCommandTests {
    @Test func sigtermCommitsWhatWasReadAndExitsZero() throws {
        let scratch = try Scratch()
        let database = scratch.path("flows.db")
        let input = scratch.path("live.jsonl")
        let lines = try String(contentsOfFile: Flowlog.sampleFlows, encoding: .utf8).split(separator: "\n").prefix(200)
        try Data((lines.prefix(100).joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: input))
        let process = Process()
        process.executableURL = Flowlog.binary
        process.arguments = ["ingest", "--db", database, "--verbose", "--follow", input]
        let error = Pipe()
        process.standardError = error
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        func stored() throws -> String {
            try Flowlog.run(["stats", "--db", database]).standardOutput
        }
        func waitFor(_ text: String) throws {
            for _ in 0..<200 {
                if (try? stored())?.contains(text) == true { return }
                Thread.sleep(forTimeInterval: 0.05)
            }
            Issue.record("never saw \(text)")
        }
        try waitFor("flows:         100\n")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: input))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((lines.dropFirst(100).joined(separator: "\n") + "\n").utf8))
        try handle.close()
        try waitFor("flows:         200\n")
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let stderr = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stderr.contains("ingested 200 flows"))
    }
}

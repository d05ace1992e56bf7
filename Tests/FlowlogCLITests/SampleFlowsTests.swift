import Foundation
import Testing

/// End-to-end: the built binary on the bundled sample capture.
@Suite struct SampleFlowsTests {
    let scratch: Scratch
    let database: String

    init() throws {
        scratch = try Scratch()
        database = scratch.path("flows.db")
    }

    /// The sample's lines parsed independently of flowlog (Foundation's JSON parser).
    nonisolated(unsafe) static let records: [[String: Any]] = {
        let text = try! String(contentsOfFile: Flowlog.sampleFlows, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        }
    }()

    /// Drop events (not their policy-verdict twins) whose source or destination is in `namespace`.
    static func drops(namespace: String) -> [(source: String, destination: String)] {
        records.compactMap { record -> (String, String)? in
            guard let flow = record["flow"] as? [String: Any], flow["verdict"] as? String == "DROPPED",
                  (flow["event_type"] as? [String: Any])?["type"] as? Int != 5 else { return nil }
            let source = flow["source"] as? [String: Any] ?? [:]
            let destination = flow["destination"] as? [String: Any] ?? [:]
            guard source["namespace"] as? String == namespace || destination["namespace"] as? String == namespace else { return nil }
            return (app(source), app(destination))
        }
    }

    /// An endpoint's `app` label, or `world` for endpoints outside the cluster.
    static func app(_ endpoint: [String: Any]) -> String {
        let labels = endpoint["labels"] as? [String] ?? []
        return labels.first { $0.hasPrefix("k8s:app=") }.map { String($0.dropFirst("k8s:app=".count)) } ?? "world"
    }

    func ingestSample() throws -> CommandResult {
        let result = try Flowlog.run(["ingest", "--db", database, Flowlog.sampleFlows])
        #expect(result.status == 0, "\(result.standardError)")
        return result
    }

    @Test func ingestReportsTheMalformedLinesAndTheTotals() throws {
        let result = try ingestSample()
        let lines = result.standardError.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0].hasSuffix("production.jsonl:512:903: warning: flow.destination.labels[0]: unterminated string"))
        #expect(lines[1].hasSuffix("production.jsonl:1777:1: warning: expected an object, found 'l'"))
        #expect(lines[2].hasSuffix("production.jsonl:2999:106: warning: flow.verdict: expected an enum name or number, found an object"))
        #expect(lines[3].hasPrefix("ingested 3499 flows, 0 duplicates, 3 skipped, 2 non-flow records ("))
        #expect(result.standardOutput.isEmpty)
        let again = try Flowlog.run(["ingest", "--db", database, "--verbose", Flowlog.sampleFlows])
        #expect(again.standardError.hasPrefix("ingested 0 flows, 0 duplicates, 0 skipped, 0 non-flow records"))
    }

    @Test func dropsCountsEachDropOnceAsAnIndependentCountDoes() throws {
        _ = try ingestSample()
        let result = try Flowlog.run(["drops", "--db", database, "--namespace", "production", "--top", "0", "-o", "json"])
        #expect(result.status == 0)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let groups = try #require(report["groups"] as? [[String: Any]])
        let expected = Self.drops(namespace: "production")
        #expect(report["total_drops"] as? Int == expected.count)
        // Each group's count equals the independent count of drops between the apps it names.
        var independent: [String: Int] = [:]
        for drop in expected { independent["\(drop.source)->\(drop.destination)", default: 0] += 1 }
        var fromReport: [String: Int] = [:]
        for group in groups {
            let source = try #require(group["source"] as? String)
            let destination = try #require(group["destination"] as? String)
            func app(_ key: String) -> String {
                key.split(separator: ",").first { $0.contains("app=") }.map { String($0.split(separator: "=").last!) } ?? key
            }
            fromReport["\(app(source))->\(app(destination))", default: 0] += group["count"] as? Int ?? 0
        }
        #expect(fromReport == independent)
        let counts = groups.compactMap { $0["count"] as? Int }
        #expect(counts == counts.sorted(by: >), "groups are sorted by count")
    }

    @Test func dropsTableMatchesItsGoldenFile() throws {
        _ = try ingestSample()
        let table = try Flowlog.run(["drops", "--db", database, "--namespace", "production"])
        #expect(table.status == 0)
        try Flowlog.expectGolden(table.standardOutput, "drops-production.txt")
        let markdown = try Flowlog.run(["drops", "--db", database, "--namespace", "production", "-o", "markdown"])
        try Flowlog.expectGolden(markdown.standardOutput, "drops-production.md")
        let total = table.standardOutput.split(separator: "\n").dropFirst().compactMap { Int($0.prefix { $0 != " " }) }.reduce(0, +)
        #expect(total == Self.drops(namespace: "production").count)
    }

    @Test func observeJSONReadsBackIntoTheSameFlows() throws {
        _ = try ingestSample()
        let first = try Flowlog.run(["observe", "--db", database, "--all", "-o", "json"])
        #expect(first.status == 0)
        #expect(first.standardOutput.split(separator: "\n").count == 3499)
        let copy = scratch.path("copy.db")
        let reingest = try Flowlog.run(["ingest", "--db", copy, "--verbose", "-"], input: Data(first.standardOutput.utf8))
        #expect(reingest.standardError.hasPrefix("ingested 3499 flows, 0 duplicates, 0 skipped"))
        let second = try Flowlog.run(["observe", "--db", copy, "--all", "-o", "json"])
        #expect(second.standardOutput == first.standardOutput)
    }

    @Test func observeFiltersAndFormats() throws {
        _ = try ingestSample()
        let table = try Flowlog.run(["observe", "--db", database, "--verdict", "DROPPED", "--to-label", "app=database",
                                     "--from-label", "app=frontend", "--last", "3", "-o", "table"])
        let rows = table.standardOutput.split(separator: "\n")
        #expect(rows.first?.hasPrefix("TIMESTAMP") == true)
        #expect(rows.count == 4)
        for row in rows.dropFirst() {
            #expect(row.contains("production/frontend-"))
            #expect(row.contains("production/database-0:5432"))
        }
        let compact = try Flowlog.run(["observe", "--db", database, "--to-ip", "198.51.100.1", "--last", "1"])
        #expect(compact.standardOutput.contains("198.51.100.1:443 (world) Policy denied DROPPED (TCP Flags: SYN)")
            || compact.standardOutput.contains("198.51.100.1:443 (world) policy-verdict:none EGRESS DENIED"))
    }

    @Test func exitCodesFollowTheDesign() throws {
        let badFlag = try Flowlog.run(["drops", "--db", database, "--bogus"])
        #expect(badFlag.status == 64)
        let badSince = try Flowlog.run(["drops", "--db", database, "--since", "yesterday"])
        #expect(badSince.status == 64)
        #expect(badSince.standardError.contains("--since: \"yesterday\" is neither a duration"))
        let missing = try Flowlog.run(["ingest", "--db", database, scratch.path("missing.jsonl")])
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("missing.jsonl: error: cannot open: No such file or directory"))
        let text = scratch.path("notes.txt")
        try Data(String(repeating: "not a database\n", count: 500).utf8).write(to: URL(fileURLWithPath: text))
        let notDatabase = try Flowlog.run(["drops", "--db", text])
        #expect(notDatabase.status == 1)
        #expect(notDatabase.standardError == "flowlog: error: \(text): not a flowlog database (the file is not SQLite or is corrupt)\n")
    }

    @Test func theDatabaseDefaultsToFLOWLOGDB() throws {
        let result = try Flowlog.run(["ingest", Flowlog.sampleFlows], environment: ["FLOWLOG_DB": database])
        #expect(result.status == 0)
        #expect(FileManager.default.fileExists(atPath: database))
        let stats = try Flowlog.run(["stats"], environment: ["FLOWLOG_DB": database])
        #expect(stats.standardOutput.contains("flows:         3499"))
        #expect(stats.standardOutput.contains("drops:         \(Self.drops(namespace: "production").count)"))
    }
}

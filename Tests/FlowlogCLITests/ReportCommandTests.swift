import Foundation
import Testing

@Suite struct ReportCommandTests {
    let scratch: Scratch
    let database: String

    init() throws {
        scratch = try Scratch()
        database = scratch.path("flows.db")
    }

    /// The sample's lines with their times moved to `now - ago` plus a millisecond per line (the
    /// sample is from 2026-11-20).
    func recentLines(count: Int, ago seconds: Double, offset: Int = 0) throws -> Data {
        let lines = try String(contentsOfFile: Flowlog.sampleFlows, encoding: .utf8).split(separator: "\n")
            .filter { $0.contains("\"flow\"") && $0.contains("\"uuid\"") && !$0.contains("\"verdict\":{}") && $0.hasSuffix("}") }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var out = ""
        for (index, line) in lines.dropFirst(offset).prefix(count).enumerated() {
            let time = formatter.string(from: Date().addingTimeInterval(-seconds + Double(index) * 0.001))
            out += line.replacingOccurrences(of: #""time":"2026-11-20T[0-9:.]+Z""#, with: "\"time\":\"\(time)\"",
                                             options: .regularExpression) + "\n"
        }
        return Data(out.utf8)
    }

    @Test func theMarkdownReportOnTheSampleMatchesItsGoldenFile() throws {
        try Flowlog.ingestSample(into: database)
        let result = try Flowlog.run(["report", "--db", database, "--since", "2026-11-20T10:00:00Z",
                                      "--until", "2026-11-20T12:00:00Z", "--policies", "SampleFlows/policies"])
        #expect(result.status == 0, "\(result.standardError)")
        // The generation time is the only line that changes from run to run.
        let stable = result.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("Generated ") }.joined(separator: "\n")
        try Flowlog.expectGolden(stable, "report-sample.md")
        #expect(stable.contains("| dropped (each drop once) | 271 |"))
        #expect(stable.contains("| lost by Hubble | 6 |"))
    }

    @Test func consecutiveLastReportWindowsHaveNoGapAndNoOverlap() throws {
        var windows: [(since: String, until: String, flows: Int)] = []
        var ingested = 0
        for round in 0..<3 {
            // Flows newer than the previous report's end and older than the next report's.
            Thread.sleep(forTimeInterval: 0.2)
            let batch = try recentLines(count: 50, ago: 0.1, offset: round * 50)
            let ingest = try Flowlog.run(["ingest", "--db", database, "-"], input: batch)
            #expect(ingest.status == 0, "\(ingest.standardError)")
            ingested += 50
            let report = try Flowlog.run(["report", "--db", database, "--window", "last-report", "--mark", "-o", "json"])
            #expect(report.status == 0, "\(report.standardError)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(report.standardOutput.utf8)) as? [String: Any])
            let window = try #require(object["window"] as? [String: String])
            let totals = try #require(object["totals"] as? [String: Any])
            windows.append((try #require(window["since"]), try #require(window["until"]), try #require(totals["flows"] as? Int)))
        }
        #expect(windows[1].since == windows[0].until)
        #expect(windows[2].since == windows[1].until)
        #expect(windows.map(\.flows) == [50, 50, 50], "each batch is counted in exactly one report")
    }

    @Test func outIsWrittenAtomicallyAndReplacesASymlinkInsteadOfFollowingIt() throws {
        try Flowlog.ingestSample(into: database)
        let victim = scratch.path("victim.txt")
        try Data("keep me\n".utf8).write(to: URL(fileURLWithPath: victim))
        let target = scratch.path("report.html")
        try FileManager.default.createSymbolicLink(atPath: target, withDestinationPath: victim)
        let result = try Flowlog.run(["report", "--db", database, "--since", "2026-11-20T10:00:00Z",
                                      "--until", "2026-11-20T12:00:00Z", "-o", "html", "--out", target])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.isEmpty)
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep me\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: target)
        #expect(attributes[.type] as? FileAttributeType == .typeRegular)
        let html = try String(contentsOfFile: target, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test func failOnNewDropsExitsThreeOnlyWhenAPairIsNew() throws {
        try Flowlog.ingestSample(into: database)
        let early = try Flowlog.run(["report", "--db", database, "--since", "2026-11-20T10:00:00Z",
                                     "--until", "2026-11-20T10:30:00Z", "--fail-on-new-drops", "-o", "text"])
        #expect(early.status == 3, "the first window's drop pairs are all new")
        let late = try Flowlog.run(["report", "--db", database, "--since", "2026-11-20T11:40:00Z",
                                    "--until", "2026-11-20T12:00:00Z", "--fail-on-new-drops", "-o", "text"])
        #expect(late.status == 0, "\(late.standardOutput)")
        #expect(late.standardOutput.contains("New drop pairs: 0"))
    }

    @Test func pruneKeepsTheNewerFlows() throws {
        try Flowlog.ingestSample(into: database)
        let result = try Flowlog.run(["prune", "--db", database, "--older-than", "2026-11-20T11:00:00Z", "--vacuum", "--verbose"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.hasPrefix("pruned before 2026-11-20T11:00:00Z: "))
        let expected = try String(contentsOfFile: Flowlog.sampleFlows, encoding: .utf8).split(separator: "\n")
            .filter { $0.contains("\"flow\"") && $0.contains("\"time\":\"2026-11-20T11:") && !$0.contains("\"verdict\":{}") && $0.hasSuffix("}") }
            .count
        let stats = try Flowlog.run(["stats", "--db", database])
        #expect(stats.standardOutput.contains("flows:         \(expected)\n"))
    }

    @Test func dropsGraphFormats() throws {
        try Flowlog.ingestSample(into: database)
        let dot = try Flowlog.run(["drops", "--db", database, "--by", "workload", "-o", "dot"])
        #expect(dot.status == 0)
        #expect(dot.standardOutput.hasPrefix("digraph drops {"))
        #expect(dot.standardOutput.contains(#"[label="production/frontend"]"#))
        let mermaid = try Flowlog.run(["drops", "--db", database, "--by", "namespace", "-o", "mermaid"])
        #expect(mermaid.standardOutput.hasPrefix("flowchart LR\n"))
        #expect(mermaid.standardOutput.contains(#"["production"]"#))
    }
}

/// The documented JSON schema of `report -o json` (README, "flowlog.report/v1").
@Suite struct ReportJSONSchemaTests {
    @Test func theJSONReportHasEveryDocumentedKeyWithItsType() throws {
        let scratch = try Scratch()
        let database = scratch.path("flows.db")
        try Flowlog.ingestSample(into: database)
        let result = try Flowlog.run(["report", "--db", database, "--since", "2026-11-20T10:00:00Z", "--until",
                                      "2026-11-20T12:00:00Z", "--policies", "SampleFlows/policies", "-o", "json"])
        #expect(result.status == 0, "\(result.standardError)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect(Set(report.keys) == ["schema", "window", "generated_at", "namespaces", "totals", "top_pairs", "new_pairs",
                                     "drops_by_namespace", "drops_by_reason", "drops_per_hour", "replay", "stored_range"])
        #expect(report["stored_range"] is NSNull, "set only for a window with no flow")
        #expect(report["schema"] as? String == "flowlog.report/v1")
        let window = try #require(report["window"] as? [String: String])
        #expect(window == ["since": "2026-11-20T10:00:00.000000000Z", "until": "2026-11-20T12:00:00.000000000Z"])
        let totals = try #require(report["totals"] as? [String: Any])
        #expect(Set(totals.keys) == ["flows", "forwarded", "dropped", "drop_rate", "lost"])
        #expect(totals["dropped"] as? Int == 271)
        #expect(totals["lost"] as? Int == 6)
        #expect(totals["drop_rate"] is Double)
        for key in ["top_pairs", "new_pairs"] {
            let pairs = try #require(report[key] as? [[String: Any]])
            #expect(!pairs.isEmpty)
            for pair in pairs {
                #expect(Set(pair.keys) == ["source", "destination", "count", "first_seen", "last_seen", "ports", "reasons"])
                let ports = try #require(pair["ports"] as? [[String: Any]])
                #expect(ports.allSatisfy { Set($0.keys) == ["protocol", "port", "count"] })
                let reasons = try #require(pair["reasons"] as? [[String: Any]])
                #expect(reasons.allSatisfy { Set($0.keys) == ["reason", "count"] })
            }
        }
        for key in ["drops_by_namespace", "drops_by_reason"] {
            let items = try #require(report[key] as? [[String: Any]])
            #expect(items.allSatisfy { Set($0.keys) == ["name", "count"] })
        }
        let hours = try #require(report["drops_per_hour"] as? [[String: Any]])
        #expect(hours.map { $0["hour"] as? String } == ["2026-11-20T10:00:00.000000000Z", "2026-11-20T11:00:00.000000000Z"])
        #expect(hours.compactMap { $0["count"] as? Int }.reduce(0, +) == 271)
        let replay = try #require(report["replay"] as? [String: Any])
        #expect(Set(replay.keys) == ["policies", "totals", "not_compared", "warning", "groups"])
        #expect(replay["policies"] as? Int == 7)
    }

    @Test func theHTMLReportIsOneWellFormedPageWithItsCharts() throws {
        let scratch = try Scratch()
        let database = scratch.path("flows.db")
        try Flowlog.ingestSample(into: database)
        let result = try Flowlog.run(["report", "--db", database, "--since", "2026-11-20T10:00:00Z", "--until",
                                      "2026-11-20T12:00:00Z", "-o", "html"])
        let html = result.standardOutput
        // Self-contained: no scripts, no external references.
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("src=") && !html.contains("href="))
        // Balanced structure: every opened element of these kinds is closed.
        for tag in ["html", "head", "body", "table", "tr", "svg", "h1", "h2", "title", "style"] {
            let opened = html.components(separatedBy: "<\(tag)>").count - 1 + html.components(separatedBy: "<\(tag) ").count - 1
            let closed = html.components(separatedBy: "</\(tag)>").count - 1
            #expect(opened == closed, "<\(tag)> opened \(opened) times, closed \(closed) times")
        }
        for tag in ["span", "g", "text"] {
            let opened = html.components(separatedBy: "<\(tag) ").count - 1 + html.components(separatedBy: "<\(tag)>").count - 1
            #expect(opened == html.components(separatedBy: "</\(tag)>").count - 1, "<\(tag)> unbalanced")
        }
        #expect(html.components(separatedBy: "<svg ").count - 1 == 3, "the bar chart, the hours and the drop graph")
        for label in ["Top dropped pairs", "Drops per hour", "Drop graph"] {
            #expect(html.contains("aria-label=\"\(label)\""))
        }
        // Every chart scales: a viewBox and a maximum width on each.
        for svg in html.components(separatedBy: "<svg ").dropFirst() {
            let tag = String(svg.prefix { $0 != ">" })
            #expect(tag.contains("viewBox=\"0 0 ") && tag.contains("max-width:100%"), "\(tag)")
        }
    }
}

/// `report --out` onto special files and existing files, and `--mode` (issue #14).
@Suite struct ReportOutTests {
    static func permissions(_ path: String) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    @Test func outKeepsDevicesAndModesAndTakesAMode() throws {
        let scratch = try Scratch()
        let database = scratch.path("f.db")
        try Flowlog.ingestSample(into: database)
        let window = ["--since", "2026-11-20T09:00:00Z", "--until", "2026-11-20T12:00:00Z", "--db", database]

        let devNull = try Flowlog.run(["report", "--out", "/dev/null"] + window)
        #expect(devNull.status == 0, "\(devNull.standardError)")
        #expect((try FileManager.default.attributesOfItem(atPath: "/dev/null")[.type] as? FileAttributeType) == .typeCharacterSpecial)

        let existing = scratch.path("existing.md")
        try Data("old".utf8).write(to: URL(fileURLWithPath: existing))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: existing)
        #expect(try Flowlog.run(["report", "--out", existing] + window).status == 0)
        #expect(try Self.permissions(existing) == 0o600)
        #expect(try String(contentsOfFile: existing, encoding: .utf8).hasPrefix("# flowlog report"))

        let fresh = scratch.path("new.md")
        #expect(try Flowlog.run(["report", "--out", fresh] + window).status == 0)
        #expect(try Self.permissions(fresh) == 0o600)

        let served = scratch.path("served.html")
        #expect(try Flowlog.run(["report", "-o", "html", "--out", served, "--mode", "0644"] + window).status == 0)
        #expect(try Self.permissions(served) == 0o644)

        for (arguments, message) in [(["--out", served, "--mode", "0888"], "'--mode <mode>': expected octal permissions"),
                                     (["--mode", "0644"], "--mode sets the permissions of the --out file")] {
            let refused = try Flowlog.run(["report"] + arguments + window)
            #expect(refused.status == 64)
            #expect(refused.standardError.contains(message), "\(refused.standardError)")
        }
    }
}

import Foundation
import Testing

/// What cron gets: cron mails whatever a job prints and ignores the exit status, so with standard
/// error going to a file (not a terminal) a run that succeeds prints nothing there, a tripped
/// `--fail-on-…` condition prints one line, warnings and errors still print, and every line
/// starts with the time in RFC 3339 UTC.
@Suite struct CronOutputTests {
    let scratch: Scratch
    let database: String

    init() throws {
        scratch = try Scratch()
        database = scratch.path("flows.db")
    }

    /// What a run wrote, standard error read back from the file it was redirected to.
    struct LoggedRun {
        var status: Int32
        var standardOutput: String
        var standardError: String
        var lines: [String] { standardError.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
    }

    /// Runs `flowlog arguments…` with standard error redirected to a regular file, as a crontab
    /// line's `2>>file` does.
    func run(_ arguments: [String], input: Data? = nil) throws -> LoggedRun {
        let result = try Flowlog.run(arguments, input: input,
                                     standardErrorFile: scratch.path("stderr-\(UUID().uuidString).log"))
        return LoggedRun(status: result.status, standardOutput: result.standardOutput, standardError: result.rawStandardError)
    }

    /// `line` without its time prefix, after checking that it has one and that the time is now
    /// (within a minute): nil when the prefix is missing.
    func message(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        guard let match = line.prefixMatch(of: #/(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z) /#) else {
            Issue.record("no time prefix: \(line)", sourceLocation: sourceLocation)
            return nil
        }
        let time = ISO8601DateFormatter().date(from: String(match.1))
        #expect(time.map { abs($0.timeIntervalSinceNow) < 60 } == true, "the prefix is the time of writing: \(line)",
                sourceLocation: sourceLocation)
        return String(line.dropFirst(match.output.0.count))
    }

    /// The first `count` lines of the sample (none of its malformed lines is among the first 500).
    func cleanSample(_ count: Int) throws -> String {
        let lines = try String(contentsOfFile: Flowlog.sampleFlows, encoding: .utf8).split(separator: "\n").prefix(count)
        let path = scratch.path("clean.jsonl")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    // MARK: - Quiet on success

    @Test func aSuccessfulIngestPrintsNothingOnStandardError() throws {
        let result = try run(["ingest", "--db", database, try cleanSample(200)])
        #expect(result.status == 0)
        #expect(result.standardError == "")
        #expect(result.standardOutput == "")
    }

    @Test func verbosePrintsTheIngestSummaryWithTheTime() throws {
        let result = try run(["ingest", "--db", database, "--verbose", try cleanSample(200)])
        #expect(result.status == 0)
        #expect(result.lines.count == 1, "\(result.standardError)")
        let summary = try #require(result.lines.first.flatMap { message($0) })
        #expect(summary.hasPrefix("ingested 200 flows, 0 duplicates, 0 skipped, 0 non-flow records ("), "\(summary)")
    }

    @Test func warningsAboutBadLinesStillPrintFollowedByTheSummary() throws {
        let result = try run(["ingest", "--db", database, Flowlog.sampleFlows])
        #expect(result.status == 0)
        let messages = result.lines.compactMap { message($0) }
        #expect(messages.count == 4, "\(result.standardError)")
        #expect(messages.prefix(3).allSatisfy { $0.contains("production.jsonl:") && $0.contains(": warning: ") }, "\(messages)")
        #expect(messages.last?.hasPrefix("ingested 3499 flows, 0 duplicates, 3 skipped") == true, "\(messages)")
    }

    @Test func aSuccessfulPrunePrintsNothingUnlessVerbose() throws {
        #expect(try run(["ingest", "--db", database, try cleanSample(200)]).status == 0)
        let quiet = try run(["prune", "--db", database, "--older-than", "2026-11-20T10:05:00Z"])
        #expect(quiet.status == 0)
        #expect(quiet.standardError == "")
        let verbose = try run(["prune", "--db", database, "--older-than", "2026-11-20T10:10:00Z", "--verbose"])
        #expect(verbose.status == 0)
        #expect(verbose.lines.count == 1)
        #expect(verbose.lines.first.flatMap { message($0) }?.hasPrefix("pruned before 2026-11-20T10:10:00Z: ") == true,
                "\(verbose.standardError)")
    }

    @Test func aReportWrittenToAFilePrintsNothing() throws {
        #expect(try run(["ingest", "--db", database, Flowlog.sampleFlows]).status == 0)
        let result = try run(["report", "--db", database, "--since", "2026-11-20T11:40:00Z", "--until", "2026-11-20T12:00:00Z",
                              "--fail-on-new-drops", "--out", scratch.path("report.md")])
        #expect(result.status == 0)
        #expect(result.standardError == "")
    }

    // MARK: - Conditions and errors always print

    @Test func failOnNewDropsPrintsOneLineWhenItTrips() throws {
        #expect(try run(["ingest", "--db", database, Flowlog.sampleFlows]).status == 0)
        let result = try run(["report", "--db", database, "--since", "2026-11-20T10:00:00Z", "--until", "2026-11-20T10:30:00Z",
                              "--fail-on-new-drops", "-o", "json", "--out", scratch.path("report.json")])
        #expect(result.status == 3)
        #expect(result.lines.count == 1, "\(result.standardError)")
        let line = try #require(result.lines.first.flatMap { message($0) })
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.path("report.json"))))
        let newPairs = try #require((report as? [String: Any])?["new_pairs"] as? [[String: Any]])
        let first = try #require(newPairs.first)
        let source = try #require(first["source"] as? String)
        let destination = try #require(first["destination"] as? String)
        let count = try #require(first["count"] as? Int)
        let expectedStart = "flowlog: fail-on-new-drops: \(newPairs.count) new drop pairs in 2026-11-20T10:00:00Z to "
            + "2026-11-20T10:30:00Z: \(source) -> \(destination) (\(count))"
        #expect(line.hasPrefix(expectedStart), "\(line)")
    }

    @Test func failOnBreakPrintsOneLineWhenItTrips() throws {
        #expect(try run(["ingest", "--db", database, Flowlog.sampleFlows]).status == 0)
        let policy = "SampleFlows/policies/default-deny-all.yaml"
        let json = try run(["replay", "--db", database, "--policies", policy, "-o", "json"])
        #expect(json.status == 0)
        #expect(json.standardError == "", "no condition asked for: nothing on stderr")
        let result = try run(["replay", "--db", database, "--policies", policy, "--fail-on-break"])
        #expect(result.status == 3)
        #expect(result.lines.count == 1, "\(result.standardError)")
        let line = try #require(result.lines.first.flatMap { message($0) })
        #expect(line.wholeMatch(of: /flowlog: fail-on-break: \d+ recorded FORWARDED flows \(\d+ groups\) would be denied by the policies/) != nil,
                "\(line)")
    }

    @Test func errorsCarryTheTime() throws {
        let missing = scratch.path("missing.db")
        let result = try run(["stats", "--db", missing])
        #expect(result.status == 1)
        #expect(result.lines.count == 1)
        #expect(result.lines.first.flatMap { message($0) }
                == "flowlog: error: no flow database at \(missing) (run `flowlog ingest` first, or pass --db)")
    }

    @Test func aMultiLineDiagnosticHasTheSameTimeOnEveryLine() throws {
        let result = try run(["policy", "lint", "SampleFlows/broken-policies/port-name-invalid.yaml"])
        #expect(result.status == 65)
        // The diagnostic, its source line and its caret are one message: one time, so the caret
        // stays under the column it points at. (The summary after it is another message.)
        let diagnostic = result.lines.dropLast()
        #expect(diagnostic.count >= 2 && Set(diagnostic.map { String($0.prefix(21)) }).count == 1, "\(result.standardError)")
        #expect(result.lines.allSatisfy { message($0) != nil })
    }
}

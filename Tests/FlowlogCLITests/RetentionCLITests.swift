import Foundation
import Testing

/// `prune --older-than … --keep-rollups …`: raw flows go, `drops`, `report` and `replay` keep
/// answering the pruned period from the rollups and say how on stderr, `observe` says the flows
/// were pruned, `stats` shows both ranges.
@Suite struct RetentionCLITests {
    static let rawCut = "2026-11-20T11:30:00Z"
    static let rollupCut = "2026-11-20T10:00:00Z"

    /// A database with the sample flows, and a copy of it pruned in two tiers.
    static func prunedPair(_ scratch: Scratch) throws -> (whole: String, pruned: String) {
        let whole = scratch.path("whole.db")
        let pruned = scratch.path("pruned.db")
        for database in [whole, pruned] { try Flowlog.ingestSample(into: database) }
        let result = try Flowlog.run(["prune", "--db", pruned, "--older-than", rawCut, "--keep-rollups", rollupCut, "--verbose"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("rollups kept from \(rollupCut)"))
        return (whole, pruned)
    }

    @Test func keepRollupsShorterThanOlderThanIsAUsageError() throws {
        let scratch = try Scratch()
        let database = scratch.path("flows.db")
        try Flowlog.ingestSample(into: database)
        let result = try Flowlog.run(["prune", "--db", database, "--older-than", "7d", "--keep-rollups", "3d"])
        #expect(result.status == 64)
        #expect(result.standardError.contains("--keep-rollups 3d is shorter than --older-than 7d"))
        // Nothing was pruned.
        #expect(try Flowlog.run(["stats", "--db", database]).standardOutput.contains("flows:         3499"))
    }

    struct Window: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        /// The window the pruned store answers, on whole minutes, for the unpruned one.
        var answered: [String]
        /// A word the stderr note holds (nil: no note).
        var note: String?
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let windows = [
        Window(arguments: ["--since", "2026-11-20T10:41:00Z"], answered: ["--since", "2026-11-20T10:41:00Z"], note: nil),
        Window(arguments: ["--since", "2026-11-20T10:41:30.5Z", "--until", "2026-11-20T11:50:00Z"],
               answered: ["--since", "2026-11-20T10:41:00Z", "--until", "2026-11-20T11:50:00Z"], note: "whole minutes"),
        Window(arguments: ["--since", "2026-11-20T10:00:00Z", "--until", "2026-11-20T11:10:10Z"],
               answered: ["--since", "2026-11-20T10:00:00Z", "--until", "2026-11-20T11:11:00Z"], note: "whole minutes"),
        Window(arguments: ["--since", "2026-11-20T11:40:00.25Z"], answered: ["--since", "2026-11-20T11:40:00.25Z"], note: nil),
        Window(arguments: ["--since", "2026-11-20T10:00:00Z", "--namespace", "production"],
               answered: ["--since", "2026-11-20T10:00:00Z", "--namespace", "production"], note: nil),
    ]

    @Test(arguments: windows)
    func dropsOverThePrunedPeriodAnswerFromTheRollup(_ window: Window) throws {
        let scratch = try Scratch()
        let (whole, pruned) = try Self.prunedPair(scratch)
        let expected = try Flowlog.run(["drops", "--db", whole, "-o", "json", "--by", "pod"] + window.answered)
        let actual = try Flowlog.run(["drops", "--db", pruned, "--verbose", "-o", "json", "--by", "pod"] + window.arguments)
        #expect(actual.status == 0)
        #expect(actual.standardOutput == expected.standardOutput)
        #expect(actual.standardOutput.contains("\"count\""))
        let notes = actual.standardError.split(separator: "\n")
        if let word = window.note {
            #expect(notes.count == 1 && notes[0].contains("flows before \(Self.rawCut) were pruned") && notes[0].contains(word),
                    "\(actual.standardError)")
        } else {
            #expect(notes.isEmpty, "\(actual.standardError)")
        }
    }

    @Test func filtersThatNeedRawFlowsSayOnlyTheRetainedPeriodIsAnswered() throws {
        let scratch = try Scratch()
        let (whole, pruned) = try Self.prunedPair(scratch)
        for filter in [["--port", "5432"], ["--from-ip", "10.0.0.0/8"], ["--node", "*"]] {
            let actual = try Flowlog.run(["drops", "--db", pruned, "--verbose", "-o", "json", "--since", "2026-11-20T10:00:00Z"] + filter)
            let expected = try Flowlog.run(["drops", "--db", whole, "-o", "json", "--since", Self.rawCut] + filter)
            #expect(actual.status == 0)
            #expect(actual.standardOutput == expected.standardOutput, "\(filter)")
            #expect(actual.standardError.contains("flows before \(Self.rawCut) were pruned; only the retained period is answered"),
                    "\(filter): \(actual.standardError)")
        }
    }

    @Test func observeSaysTheFlowsWerePruned() throws {
        let scratch = try Scratch()
        let (whole, pruned) = try Self.prunedPair(scratch)
        let actual = try Flowlog.run(["observe", "--db", pruned, "--verbose", "--all", "--since", "2026-11-20T10:00:00Z"])
        let expected = try Flowlog.run(["observe", "--db", whole, "--all", "--since", Self.rawCut])
        #expect(actual.status == 0)
        #expect(actual.standardOutput == expected.standardOutput)
        #expect(actual.standardError.contains("flows before \(Self.rawCut) were pruned"))
        // A window after the cut says nothing.
        #expect(try Flowlog.run(["observe", "--db", pruned, "--verbose", "--since", Self.rawCut]).standardError.isEmpty)
        // Off a terminal and without --verbose the note is not printed: a cron job mails nothing for it.
        #expect(try Flowlog.run(["observe", "--db", pruned, "--all", "--since", "2026-11-20T10:00:00Z"]).standardError.isEmpty)
        #expect(try Flowlog.run(["drops", "--db", pruned, "--since", "2026-11-20T10:00:30Z"]).standardError.isEmpty)
    }

    @Test func replayAndReportOverThePrunedPeriodAnswerFromTheRollups() throws {
        let scratch = try Scratch()
        let (whole, pruned) = try Self.prunedPair(scratch)
        // replay: the hourly connection rollup; an edge inside an hour is widened to it.
        let replay = ["replay", "--policies", "SampleFlows/policies", "-o", "json"]
        let expected = try Flowlog.run([replay[0], "--db", whole] + replay.dropFirst() + ["--since", "2026-11-20T10:00:00Z"])
        let actual = try Flowlog.run([replay[0], "--db", pruned, "--verbose"] + replay.dropFirst() + ["--since", "2026-11-20T10:20:00Z"])
        #expect(actual.status == expected.status)
        #expect(actual.standardOutput == expected.standardOutput)
        #expect(actual.standardError.contains("whole hours"), "\(actual.standardError)")
        // report: the same window, the same report.
        let report = ["report", "--since", "2026-11-20T10:00:00Z", "--until", "2026-11-20T12:00:00Z", "-o", "json"]
        let reportBefore = try Flowlog.run([report[0], "--db", whole] + report.dropFirst())
        let reportAfter = try Flowlog.run([report[0], "--db", pruned, "--verbose"] + report.dropFirst())
        #expect(reportAfter.status == 0)
        // Lost events are raw records: the pruned store keeps those after the cut only.
        #expect(Self.withoutLostEvents(ClickHouseCLI.normalizingNow(reportAfter.standardOutput))
                == Self.withoutLostEvents(ClickHouseCLI.normalizingNow(reportBefore.standardOutput)))
    }

    static func withoutLostEvents(_ json: String) -> String {
        json.replacingOccurrences(of: #""lost":\d+"#, with: "", options: .regularExpression)
    }

    /// A JSON report without its totals (flows and lost events: raw records).
    static func withoutTotals(_ json: String) -> String {
        json.replacingOccurrences(of: #""totals":\{[^}]*\}"#, with: "", options: .regularExpression)
    }

    @Test func statsShowsBothRanges() throws {
        let scratch = try Scratch()
        let (_, pruned) = try Self.prunedPair(scratch)
        let output = try Flowlog.run(["stats", "--db", pruned]).standardOutput
        #expect(output.contains("time range:    2026-11-20T11:30:"))
        #expect(output.contains("raw flows:     pruned before 2026-11-20T11:30:00.000Z"))
        #expect(output.contains("drops rollup:  2026-11-20T10:02:00Z to 2026-11-20T11:58:00Z (whole minutes)"))
        #expect(output.contains("rollups:       pruned before 2026-11-20T10:00:00.000Z"))
    }

    /// The same on ClickHouse (one server and the cluster): identical stdout and notes.
    @Test(.enabled(if: ClickHouseCLI.server != nil, ClickHouseCLI.skipNote), arguments: [false, true])
    func clickHousePrintsWhatSQLitePrints(_ cluster: Bool) throws {
        guard !cluster || ClickHouseCLI.cluster != nil else { return }
        let scratch = try Scratch()
        let name = ClickHouseCLI.freshName()
        defer { ClickHouseCLI.drop(name, cluster: cluster) }
        let clickhouse = ClickHouseCLI.url(name, cluster: cluster)
        let sqlite = try ClickHouseCLITests.ingestBoth(scratch, clickhouse: clickhouse)
        for database in [sqlite, clickhouse] {
            let result = try Flowlog.run(["prune", "--db", database, "--older-than", Self.rawCut, "--keep-rollups", Self.rollupCut])
            #expect(result.status == 0, "\(result.standardError)")
        }
        var commands: [[String]] = [["stats"], ["drops"], ["observe", "--all", "--since", "2026-11-20T10:00:00Z"]]
        for window in Self.windows { commands.append(["drops", "-o", "json", "--by", "pod"] + window.arguments) }
        commands.append(["drops", "--port", "5432", "--since", "2026-11-20T10:00:00Z"])
        try ClickHouseCLITests.expectSameOutput(commands, sqlite: sqlite, clickhouse: clickhouse)
        for arguments in commands.dropFirst() {
            let expected = try Flowlog.run([arguments[0], "--db", sqlite, "--verbose"] + arguments.dropFirst())
            let actual = try Flowlog.run([arguments[0], "--db", clickhouse, "--verbose"] + arguments.dropFirst())
            #expect(actual.standardError == expected.standardError, "stderr of \(arguments)")
        }
        // Report: the drop sections alike; the totals (flows, from connections) of the retained
        // period only on ClickHouse, which keeps no connection rollup and says so.
        let report = ["--since", "2026-11-20T10:00:00Z", "--until", "2026-11-20T12:00:00Z", "-o", "json"]
        let sqliteReport = try Flowlog.run(["report", "--db", sqlite, "--verbose"] + report)
        let clickhouseReport = try Flowlog.run(["report", "--db", clickhouse, "--verbose"] + report)
        #expect(clickhouseReport.status == 0)
        #expect(Self.withoutTotals(ClickHouseCLI.normalizingNow(clickhouseReport.standardOutput))
                == Self.withoutTotals(ClickHouseCLI.normalizingNow(sqliteReport.standardOutput)))
        #expect(clickhouseReport.standardOutput.contains("\"dropped\":271"))
        #expect(clickhouseReport.standardError.contains("flow totals and policy replay cover the retained period only"))
        // Replay: ClickHouse keeps no connection rollup, and says it answers the retained period.
        let replay = try Flowlog.run(["replay", "--db", clickhouse, "--verbose", "--policies", "SampleFlows/policies", "--since", "2026-11-20T10:00:00Z"])
        #expect(replay.standardError.contains("flows before \(Self.rawCut) were pruned; only the retained period is answered"))
    }
}

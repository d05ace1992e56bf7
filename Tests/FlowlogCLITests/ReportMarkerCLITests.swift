import Foundation
import Testing

/// `report --window last-report` keeps one marker per selection, moves it only with `--out` or
/// `--mark` (never with `--no-mark`), and an empty window says where the stored flows are.
@Suite struct ReportMarkerCLITests {
    let scratch: Scratch
    let database: String

    init() throws {
        scratch = try Scratch()
        database = scratch.path("flows.db")
        try Flowlog.ingestSample(into: database)
    }

    /// The window of one `report --window last-report -o json` run: written to `--out` unless
    /// `toStandardOutput`.
    func window(_ extra: [String], toStandardOutput: Bool = false) throws -> (since: String, until: String) {
        var arguments = ["report", "--db", database, "--window", "last-report", "-o", "json"] + extra
        let out = scratch.path("report-\(UUID().uuidString).json")
        if !toStandardOutput { arguments += ["--out", out] }
        let result = try Flowlog.run(arguments)
        try #require(result.status == 0, "\(arguments): \(result.standardError)")
        let text = toStandardOutput ? result.standardOutput : try String(contentsOfFile: out, encoding: .utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let window = try #require(object["window"] as? [String: String])
        return (try #require(window["since"]), try #require(window["until"]))
    }

    /// `time` minus a day, as the RFC 3339 text the report prints (nine fraction digits).
    func dayBefore(_ time: String) throws -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        let seconds = try #require(formatter.date(from: String(time.prefix(19)) + "Z"))
        return String(formatter.string(from: seconds.addingTimeInterval(-86_400)).dropLast()) + String(time.dropFirst(19))
    }

    @Test func aNamespaceReportAndTheUnfilteredOneKeepSeparateWindows() throws {
        let production = try window(["--namespace", "production"])
        #expect(try production.since == dayBefore(production.until), "the first window is the last day")
        let all = try window([])
        #expect(try all.since == dayBefore(all.until), "the namespace report did not consume the unfiltered window")
        let productionAgain = try window(["--namespace", "production"])
        #expect(productionAgain.since == production.until)
        let allAgain = try window([])
        #expect(allAgain.since == all.until)
        // The same selection typed another way is the same marker; a policy set is another selection.
        let reordered = try window(["-n", "production", "-n", "production"])
        #expect(reordered.since == productionAgain.until)
        let withPolicies = try window(["--namespace", "production", "--policies", "SampleFlows/policies"])
        #expect(try withPolicies.since == dayBefore(withPolicies.until))
    }

    @Test func onlyOutOrMarkMovesTheMarker() throws {
        let first = try window([])
        let preview = try window([], toStandardOutput: true)
        #expect(preview.since == first.until, "a preview shows the next window")
        let previewAgain = try window([], toStandardOutput: true)
        #expect(previewAgain.since == first.until, "and leaves the marker where it was")
        let notMarked = try window(["--no-mark"])
        #expect(notMarked.since == first.until, "--no-mark with --out previews too")
        let marked = try window(["--mark"], toStandardOutput: true)
        #expect(marked.since == first.until)
        let next = try window([], toStandardOutput: true)
        #expect(next.since == marked.until, "--mark moved it from standard output")
    }

    @Test(arguments: [["--mark"], ["--no-mark"]])
    func markNeedsTheLastReportWindow(_ flag: [String]) throws {
        let result = try Flowlog.run(["report", "--db", database, "--since", "24h"] + flag)
        #expect(result.status == 64)
        #expect(result.standardError.contains("mark applies to --window last-report"), "\(result.standardError)")
    }

    // MARK: - Empty windows

    /// The first and last flow times of the sample, as a report on an empty window gives them.
    func storedRange() throws -> (first: String, last: String) {
        let result = try Flowlog.run(["report", "--db", database, "--since", "2026-11-25T00:00:00Z",
                                      "--until", "2026-11-26T00:00:00Z", "-o", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let range = try #require(object["stored_range"] as? [String: String])
        return (try #require(range["first"]), try #require(range["last"]))
    }

    @Test func anEmptyWindowAfterTheStoredFlowsSaysWhereTheyAre() throws {
        let range = try storedRange()
        #expect(range.first.hasPrefix("2026-11-20T10:") && range.last.hasPrefix("2026-11-20T1"), "\(range)")
        let first = String(range.first.prefix(19)) + "Z"
        let last = String(range.last.prefix(19)) + "Z"
        let result = try Flowlog.run(["report", "--db", database, "--since", "2026-11-25T00:00:00Z",
                                      "--until", "2026-11-26T00:00:00Z", "-o", "markdown"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("**No flow in this window. The database holds flows from \(first) to \(last).**"),
                "\(result.standardOutput)")
        #expect(result.standardError == "flowlog: warning: no flow in the window 2026-11-25T00:00:00Z to 2026-11-26T00:00:00Z; "
                + "the database holds flows from \(first) to \(last)\n")
    }

    @Test func aQuietWindowInsideTheStoredFlowsSaysItInTheReportAndOnlyNotesIt() throws {
        let arguments = ["report", "--db", database, "--since", "2026-11-20T10:00:00Z", "--until", "2026-11-20T12:00:00Z",
                         "--namespace", "no-such-namespace", "-o", "text"]
        let quiet = try Flowlog.run(arguments)
        #expect(quiet.status == 0)
        #expect(quiet.standardOutput.contains("No flow in this window. The database holds flows from 2026-11-20T10:"))
        #expect(quiet.standardError == "", "a note is not mailed from cron")
        let verbose = try Flowlog.run(arguments + ["--verbose"])
        #expect(verbose.standardError.hasPrefix("flowlog: note: no flow in the window 2026-11-20T10:00:00Z to 2026-11-20T12:00:00Z; "),
                "\(verbose.standardError)")
    }

    @Test func aWindowWithFlowsHasNoStoredRange() throws {
        let result = try Flowlog.run(["report", "--db", database, "--since", "2026-11-20T10:00:00Z",
                                      "--until", "2026-11-20T12:00:00Z", "-o", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect(object["stored_range"] is NSNull)
        #expect(!result.standardOutput.contains("No flow in this window"))
    }
}

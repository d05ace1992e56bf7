import Foundation
import Testing

/// Issue #14: flag values at the edges of what they can hold, and values that must be refused,
/// end in a usage error naming the flag (exit 64) or a normal answer — never a trap (exit 132).
@Suite struct FlagSafetyTests {
    struct FlagCase: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var status: Int32
        /// Text standard error must contain (the flag and why), for the refused ones.
        var message: String = ""
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let cases: [FlagCase] = [
        // Times at and beyond the ends of the 64-bit nanosecond range (1677 / 2262).
        FlagCase(arguments: ["drops", "--since", "2262-04-11T23:47:16.854775806Z"], status: 0),
        FlagCase(arguments: ["drops", "--since", "1677-09-21T00:12:43.145224193Z"], status: 0),
        FlagCase(arguments: ["drops", "--until", "1677-09-21T00:12:44Z"], status: 0),
        FlagCase(arguments: ["drops", "--since", "2262-04-11T23:47:16.854775808Z"], status: 64, message: "--since: \"2262-04-11T23:47:16.854775808Z\" is out of range"),
        FlagCase(arguments: ["drops", "--until", "1677-09-21T00:12:43Z"], status: 64, message: "--until: \"1677-09-21T00:12:43Z\" is out of range"),
        FlagCase(arguments: ["drops", "--since", "99999999999d"], status: 64, message: "--since: \"99999999999d\" is out of range"),
        FlagCase(arguments: ["drops", "--since", "106752d"], status: 64, message: "--since: \"106752d\" is out of range"),
        FlagCase(arguments: ["drops", "--since", "106751d"], status: 0),
        FlagCase(arguments: ["drops", "--since", "yesterday"], status: 64, message: "--since: \"yesterday\" is neither a duration"),
        FlagCase(arguments: ["observe", "--since", "2262-04-11T23:47:16.854775807Z"], status: 0),
        FlagCase(arguments: ["report", "--since", "2262-04-11T23:00:00Z"], status: 64),  // after now: a backwards window
        FlagCase(arguments: ["report", "--since", "1677-09-21T00:12:44Z"], status: 0),
        FlagCase(arguments: ["report", "--since", "1677-09-21T00:12:44Z", "--until", "1677-09-21T03:00:00Z", "-o", "html"], status: 0),
        FlagCase(arguments: ["report", "--since", "2262-04-11T22:00:00Z", "--until", "2262-04-11T23:47:16.854775807Z", "-o", "json"], status: 0),
        FlagCase(arguments: ["report", "--until", "1677-09-21T00:12:44Z"], status: 0),
        FlagCase(arguments: ["report", "--since", "99999999999d"], status: 64, message: "--since: \"99999999999d\" is out of range"),
        FlagCase(arguments: ["report", "--until", "9999-01-01T00:00:00Z"], status: 64, message: "--until: \"9999-01-01T00:00:00Z\" is out of range"),
        FlagCase(arguments: ["prune", "--older-than", "99999999999d"], status: 64, message: "--older-than: \"99999999999d\" is out of range"),
        FlagCase(arguments: ["prune", "--older-than", "2262-04-11T23:47:16.854775807Z"], status: 0),
        FlagCase(arguments: ["prune", "--older-than", "1677-09-21T00:12:43.145224193Z"], status: 0),
        // Negative and malformed values.
        FlagCase(arguments: ["drops", "--top", "-1"], status: 64, message: "'--top <top>': must be 0 or more"),
        FlagCase(arguments: ["drops", "--top=-1"], status: 64, message: "'--top <top>': must be 0 or more"),
        FlagCase(arguments: ["report", "--top", "-1"], status: 64, message: "'--top <top>': must be 0 or more"),
        FlagCase(arguments: ["replay", "--policies", "SampleFlows/policies", "--top=-1"], status: 64, message: "'--top <top>': must be 0 or more"),
        FlagCase(arguments: ["replay", "--policies", "SampleFlows/policies", "--top", "-1"], status: 64, message: "'--top <top>': must be 0 or more"),
        FlagCase(arguments: ["drops", "--top", "x"], status: 64, message: "'--top <top>': not a whole number"),
        FlagCase(arguments: ["drops", "--drop-reason=-1"], status: 64, message: "--drop-reason: unknown drop reason \"-1\""),
        FlagCase(arguments: ["drops", "--drop-reason", "133"], status: 0),
        FlagCase(arguments: ["drops", "--label", "a=b=c"], status: 64, message: "--label: invalid label selector \"a=b=c\": invalid value \"b=c\""),
        FlagCase(arguments: ["drops", "--from-label", "k8s:"], status: 64, message: "--from-label: invalid label selector \"k8s:\": empty key after the source prefix"),
        FlagCase(arguments: ["observe", "--to-label", "k8s:=web"], status: 64, message: "--to-label: invalid label selector"),
    ]

    @Test(arguments: cases)
    func flagValueIsAnswerOrUsageError(_ testCase: FlagCase) throws {
        let scratch = try Scratch()
        let database = scratch.path("flows.db")
        try Flowlog.ingestSample(into: database)
        let result = try Flowlog.run(testCase.arguments + ["--db", database])
        #expect(result.status == testCase.status, "\(result.standardError.prefix(600))")
        if !testCase.message.isEmpty {
            #expect(result.standardError.contains(testCase.message), "\(result.standardError.prefix(600))")
        }
    }

    @Test func maxWarningsMustNotBeNegative() throws {
        let scratch = try Scratch()
        for arguments in [["--max-warnings=-1"], ["--max-warnings", "-1"]] {
            let result = try Flowlog.run(["ingest", "--db", scratch.path("f.db")] + arguments + [Flowlog.sampleFlows])
            #expect(result.status == 64)
            #expect(result.standardError.contains("'--max-warnings <max-warnings>': must be 0 or more"), "\(result.standardError)")
        }
    }
}

@Suite struct ObserveLastFlagTests {
    @Test(arguments: [["--last=-1"], ["--last", "-1"]])
    func observeLastMustNotBeNegative(_ arguments: [String]) throws {
        let scratch = try Scratch()
        let result = try Flowlog.run(["observe", "--db", scratch.path("f.db")] + arguments)
        #expect(result.status == 64)
        #expect(result.standardError.contains("'--last <last>': must be 0 or more"), "\(result.standardError)")
    }
}

@Suite struct ReportWindowDirectionTests {
    /// Found by the attack re-run: a --since after the window's end ran a backwards window.
    @Test func aSinceAfterTheEndIsAUsageError() throws {
        let scratch = try Scratch()
        let result = try Flowlog.run(["report", "--db", scratch.path("f.db"), "--since", "2262-04-11T23:00:00Z"])
        #expect(result.status == 64)
        #expect(result.standardError.contains("is not before the window's end"), "\(result.standardError)")
        let backwards = try Flowlog.run(["report", "--db", scratch.path("f.db"), "--since", "2026-11-20T12:00:00Z",
                                         "--until", "2026-11-20T10:00:00Z"])
        #expect(backwards.status == 64)
    }
}

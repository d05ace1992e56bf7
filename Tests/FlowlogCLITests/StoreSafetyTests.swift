import Foundation
import Synchronization
import Testing

/// The defects of issue #14, reproduced with the binary: concurrent first use, concurrent
/// `report --window last-report`, databases that are not flowlog's, times at the ends of 64-bit
/// nanoseconds, and NULs inside flow strings.
@Suite struct StoreSafetyTests {
    let scratch: Scratch

    init() throws { scratch = try Scratch() }

    /// Runs each command line at the same moment, one thread per process.
    func runConcurrently(_ commands: [[String]]) -> [Result<CommandResult, any Error>] {
        let results = Mutex<[Int: Result<CommandResult, any Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: commands.count) { index in
            let result = Result { try Flowlog.run(commands[index]) }
            results.withLock { $0[index] = result }
        }
        return results.withLock { all in commands.indices.map { all[$0] ?? .failure(CocoaError(.featureUnsupported)) } }
    }

    @Test func ingestsStartedTogetherOnANewDatabaseAllSucceed() throws {
        let lines = try String(contentsOfFile: Flowlog.sampleFlows, encoding: .utf8).split(separator: "\n").prefix(40)
        let input = scratch.path("flows.jsonl")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: input))
        let expected = try Flowlog.run(["ingest", "--db", scratch.path("reference.db"), "--verbose", input])
        let flows = try #require(expected.standardError.firstMatch(of: /ingested (\d+) flows/)?.1)
        var failures: [String] = []
        for round in 0..<20 {
            let database = scratch.path("new-\(round).db")
            for (index, result) in runConcurrently(Array(repeating: ["ingest", "--db", database, input], count: 6)).enumerated() {
                let run = try result.get()
                if run.status != 0 { failures.append("round \(round), process \(index): \(run.status) \(run.standardError)") }
            }
            let stats = try Flowlog.run(["stats", "--db", database])
            if !stats.standardOutput.contains("flows:         \(flows)\n") {
                failures.append("round \(round): \(stats.standardOutput)")
            }
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test func concurrentLastReportRunsGetDisjointWindows() throws {
        let database = scratch.path("flows.db")
        try Flowlog.ingestSample(into: database)
        var windows: [(since: String, until: String)] = []
        for _ in 0..<5 {
            let runs = runConcurrently(Array(repeating: ["report", "--db", database, "--window", "last-report", "--mark", "-o", "json"],
                                                   count: 3))
            for result in runs {
                let run = try result.get()
                #expect(run.status == 0, "\(run.standardError)")
                let object = try #require(try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
                let window = try #require(object["window"] as? [String: String])
                windows.append((try #require(window["since"]), try #require(window["until"])))
            }
        }
        // RFC 3339 UTC times with nine fraction digits sort as text.
        let claimed = windows.filter { $0.since != $0.until }.sorted { $0.since < $1.since }
        for (earlier, later) in zip(claimed, claimed.dropFirst()) {
            #expect(earlier.until == later.since, "no overlap, no gap: \(earlier) then \(later)")
        }
        for window in windows where window.since == window.until {
            #expect(claimed.contains { $0.until == window.since }, "an empty window sits at another run's end")
        }
    }

    /// Whether python3 (with its sqlite3 module) is there to play another program writing a database.
    static let hasPython: Bool = (try? sqlite(":memory:", "select 1")) == 0

    /// Runs `sql` on `database` as another program would (python3's sqlite3 module); returns the exit status.
    static func sqlite(_ database: String, _ sql: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()",
                             database, sql]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test(.enabled(if: hasPython, "python3 writes the other program's database"))
    func anotherApplicationsDatabaseIsRefusedUntouched() throws {
        let database = scratch.path("x.db")
        try #require(try Self.sqlite(database, "create table foo(x)") == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: database))
        let result = try Flowlog.run(["stats", "--db", database])
        #expect(result.status == 1)
        #expect(result.standardError == "flowlog: error: \(database): not a flowlog database: the SQLite file has tables but not "
                + "flowlog's application id; flowlog leaves it untouched (choose another --db)\n")
        #expect(try Data(contentsOf: URL(fileURLWithPath: database)) == before)
    }

    @Test(.enabled(if: hasPython, "python3 sets the schema version"))
    func aNegativeSchemaVersionIsAnErrorNotATrap() throws {
        let database = scratch.path("v.db")
        #expect(try Flowlog.run(["ingest", "--db", database, "-"], input: Data()).status == 0)
        try #require(try Self.sqlite(database, "pragma user_version = -1") == 0)
        let result = try Flowlog.run(["stats", "--db", database])
        #expect(result.status == 1)
        #expect(result.standardError == "flowlog: error: \(database): the database has schema version -1, which no flowlog writes; "
                + "it is damaged or not flowlog's\n")
    }

    @Test(arguments: [["prune", "--older-than", "2262-04-11T23:30:00Z"], ["prune", "--older-than", "1677-09-21T00:13:00Z"],
                      ["drops", "--since", "2262-04-11T23:47:00Z"], ["drops", "--node", "*", "--since", "1677-09-21T00:13:00Z"],
                      ["report", "--since", "2262-04-11T23:30:00Z", "--until", "2262-04-11T23:47:16Z", "-o", "json"],
                      ["report", "--since", "1677-09-21T00:13:00Z", "--until", "2262-04-11T23:47:16Z", "-o", "json"],
                      ["replay", "--policies", "SampleFlows/policies", "--since", "2262-04-11T23:30:00Z"]])
    func timesAtTheEndsOfTheRangeDoNotTrap(_ arguments: [String]) throws {
        let database = scratch.path("flows.db")
        try Flowlog.ingestSample(into: database)
        let result = try Flowlog.run([arguments[0], "--db", database] + arguments.dropFirst())
        #expect(result.status == 0, "\(result.standardError.prefix(600))")
    }

    @Test func aNULInsideANamespaceKeepsTwoPodsApart() throws {
        func line(_ uuid: Int, _ suffix: String) -> String {
            #"{"flow":{"time":"2026-11-20T10:00:0\#(uuid)Z","uuid":"00000000-0000-4000-8000-00000000000\#(uuid)","verdict":"FORWARDED","#
                + #""IP":{"source":"10.0.0.1","destination":"10.0.0.2"},"l4":{"TCP":{"source_port":40000,"destination_port":80}},"#
                + #""source":{"identity":100,"namespace":"ns\#(suffix)","pod_name":"web\#(suffix)","labels":["k8s:app=web"]},"#
                + #""destination":{"identity":200,"namespace":"ns","pod_name":"db","labels":["k8s:app=db"]},"#
                + #""node_name":"node\#(suffix)","event_type":{"type":4},"Summary":"sum\#(suffix)"}}"#
        }
        let input = scratch.path("nul.jsonl")
        try Data((line(1, #"\u0000evil"#) + "\n" + line(2, "") + "\n").utf8).write(to: URL(fileURLWithPath: input))
        let database = scratch.path("flows.db")
        #expect(try Flowlog.run(["ingest", "--db", database, input]).status == 0)
        let stats = try Flowlog.run(["stats", "--db", database])
        #expect(stats.standardOutput.contains("endpoints:     3 "), "\(stats.standardOutput)")
        let observe = try Flowlog.run(["observe", "--db", database, "--all", "-o", "json"])
        let lines = observe.standardOutput.split(separator: "\n")
        try #require(lines.count == 2)
        for field in [#""namespace":"ns\u0000evil""#, #""pod_name":"web\u0000evil""#, #""node_name":"node\u0000evil""#,
                      #""Summary":"sum\u0000evil""#] {
            #expect(lines[0].contains(field), "\(field) in \(lines[0])")
        }
        #expect(lines[1].contains(#""namespace":"ns","#) && lines[1].contains(#""pod_name":"web""#) && !lines[1].contains("u0000"))
    }
}

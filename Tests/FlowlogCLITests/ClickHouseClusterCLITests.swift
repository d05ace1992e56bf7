import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The same on a two-shard cluster: flows spread over both shards, answers identical to SQLite's,
/// and a hung shard is an error naming it within the request timeout, never a partial answer.
@Suite(.enabled(if: ClickHouseCLI.cluster != nil, ClickHouseCLI.clusterSkipNote))
struct ClickHouseClusterCLITests {
    @Test func everyCommandPrintsWhatSQLitePrintsAndBothShardsHoldFlows() throws {
        let scratch = try Scratch()
        let name = ClickHouseCLI.freshName()
        defer { ClickHouseCLI.drop(name, cluster: true) }
        let clickhouse = ClickHouseCLI.url(name, cluster: true)
        let sqlite = try ClickHouseCLITests.ingestBoth(scratch, clickhouse: clickhouse)
        // Written twice: the second ingest adds nothing on a cluster either.
        #expect(try Flowlog.run(["ingest", "--db", clickhouse, "--verbose", Flowlog.sampleFlows]).standardError.contains("ingested 0 flows"))
        try ClickHouseCLITests.expectSameOutput(comparedCommands, sqlite: sqlite, clickhouse: clickhouse)
        for shard in ClickHouseCLI.shardHTTPAddresses {
            let count = try ClickHouseCLI.query(shard, "SELECT count() FROM \(name).flows_local")
            #expect((Int(count.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 500, "shard \(shard) holds \(count) flows")
        }
    }

    @Test func aHungShardFailsTheCommandNamingItWithinTheTimeout() throws {
        let pidText = try #require(ClickHouseCLI.environment["FLOWLOG_TEST_CLICKHOUSE_SHARD2_PID"], "the script exports the second shard's PID")
        let pid = try #require(pid_t(pidText))
        let name = ClickHouseCLI.freshName()
        defer { ClickHouseCLI.drop(name, cluster: true) }
        let clickhouse = ClickHouseCLI.url(name, cluster: true) + "&timeout=6"
        #expect(try Flowlog.run(["ingest", "--db", clickhouse, Flowlog.sampleFlows]).status == 0)
        kill(pid, SIGSTOP)
        defer { kill(pid, SIGCONT) }
        let start = Date()
        let result = try Flowlog.run(["drops", "--db", clickhouse, "--namespace", "production"])
        let elapsed = Date().timeIntervalSince(start)
        kill(pid, SIGCONT)
        #expect(result.status == 1)
        #expect(result.standardOutput.isEmpty, "a partial answer was printed")
        // Opening checks the schema on every shard, so the hung one is met there (or, if it hangs
        // later, by the distributed query, whose error names its TCP address).
        #expect(result.standardError.contains("shard 2 (127.0.0.1:18125)") || result.standardError.contains("127.0.0.1:19002"),
                "the error does not name the shard: \(result.standardError)")
        #expect(elapsed < 20, "took \(elapsed) s")
    }

    @Test func aDeadShardFailsTheCommandNamingIt() throws {
        let entry = String((ClickHouseCLI.cluster ?? "").prefix { $0 != "/" })
        let result = try Flowlog.run(["stats", "--db", "clickhouse://\(entry)/\(ClickHouseCLI.freshName())?cluster=flowlog_dead_shard&timeout=6"
                                                   + "&shards=127.0.0.1:18124,127.0.0.1:18126"])
        #expect(result.status == 1)
        #expect(result.standardOutput.isEmpty)
        #expect(result.standardError.contains("shard 2 (127.0.0.1:18126)"), "\(result.standardError)")
    }
}

extension ClickHouseCLI {
    /// The HTTP addresses of the test cluster's shards (.ci/clickhouse.sh's ports).
    static let shardHTTPAddresses = ["127.0.0.1:18124", "127.0.0.1:18125"]

    static func query(_ host: String, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "--max-time", "10", "http://\(host)/", "--data-binary", sql]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Faults: the server lost and back while `ingest --follow` runs. Uses a server of its own
/// (started with `.ci/clickhouse.sh start-one`), since it kills it.
@Suite(.enabled(if: ClickHouseCLI.server != nil, ClickHouseCLI.skipNote))
struct ClickHouseFaultTests {
    static let script = Flowlog.packageRoot.appendingPathComponent(".ci/clickhouse.sh").path

    static func startServer() throws -> pid_t {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script, "start-one", "faults", "18127", "19004", "19012"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try #require(pid_t(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    @Test func followRidesOutALostServerAndStoresEveryFlowOnce() throws {
        let scratch = try Scratch()
        var server = try Self.startServer()
        defer { kill(server, SIGKILL) }
        let clickhouse = "clickhouse://127.0.0.1:18127/\(ClickHouseCLI.freshName())?timeout=5"
        let lines = try String(contentsOfFile: Flowlog.sampleFlows, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let live = scratch.path("live.jsonl")
        try (lines[..<1000].joined(separator: "\n") + "\n").write(toFile: live, atomically: false, encoding: .utf8)
        let follow = Process()
        follow.executableURL = Flowlog.binary
        follow.arguments = ["ingest", "--db", clickhouse, "--follow", live]
        let followError = Pipe()
        follow.standardError = followError
        try follow.run()
        let handle = try #require(FileHandle(forWritingAtPath: live))
        handle.seekToEndOfFile()
        func append(_ range: Range<Int>) {
            handle.write(Data((lines[range].joined(separator: "\n") + "\n").utf8))
        }
        Thread.sleep(forTimeInterval: 1.5)
        append(1000..<1500)
        Thread.sleep(forTimeInterval: 1)
        // The server dies; lines keep coming; it comes back on the same data.
        kill(server, SIGKILL)
        var status: Int32 = 0
        waitpid(server, &status, 0)
        append(1500..<2500)
        Thread.sleep(forTimeInterval: 3)
        server = try Self.startServer()
        append(2500..<lines.count - 1)
        try handle.close()
        Thread.sleep(forTimeInterval: 8)
        follow.terminate()
        follow.waitUntilExit()
        let stderr = String(decoding: followError.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(follow.terminationStatus == 0, "\(stderr)")
        let sqlite = scratch.path("flows.db")
        #expect(try Flowlog.run(["ingest", "--db", sqlite, live]).status == 0)
        try ClickHouseCLITests.expectSameOutput([["stats"], ["drops", "-o", "json"], ["observe", "--all", "-o", "json"]],
                                                sqlite: sqlite, clickhouse: clickhouse)
    }

    @Test func anUnreachableServerAtStartIsExit1() throws {
        let result = try Flowlog.run(["ingest", "--db", "clickhouse://127.0.0.1:18128/flowlog", Flowlog.sampleFlows])
        #expect(result.status == 1)
        #expect(result.standardError.contains("cannot reach ClickHouse at 127.0.0.1:18128"), "\(result.standardError)")
    }
}

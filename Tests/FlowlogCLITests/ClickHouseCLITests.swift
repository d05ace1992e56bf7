import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The same commands on the same data print the same stdout on SQLite and on ClickHouse.
///
/// Needs `FLOWLOG_TEST_CLICKHOUSE=http://127.0.0.1:PORT` (one server) and, for the cluster
/// tests, `FLOWLOG_TEST_CLICKHOUSE_CLUSTER=HOST:PORT/?cluster=NAME`; `bash .ci/clickhouse.sh
/// start` prints both. Without them these tests are skipped with a note.
enum ClickHouseCLI {
    static let environment = ProcessInfo.processInfo.environment
    static let server: String? = environment["FLOWLOG_TEST_CLICKHOUSE"].flatMap { value in
        guard !value.isEmpty else { return nil }
        var text = Substring(value)
        if let scheme = text.range(of: "://") { text = text[scheme.upperBound...] }
        return String(text.prefix { $0 != "/" })
    }
    static let cluster: String? = environment["FLOWLOG_TEST_CLICKHOUSE_CLUSTER"].flatMap { $0.isEmpty ? nil : $0 }
    static let skipNote: Comment = "FLOWLOG_TEST_CLICKHOUSE is unset; run `eval \"$(bash .ci/clickhouse.sh start)\"` to compare ClickHouse with SQLite"
    static let clusterSkipNote: Comment = "FLOWLOG_TEST_CLICKHOUSE_CLUSTER is unset; `bash .ci/clickhouse.sh start` sets it"

    static func freshName() -> String {
        "flowlog_cli_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
    }

    /// A `--db` URL for a new database on the test server (or, with `cluster`, the test cluster).
    static func url(_ database: String, cluster: Bool = false) -> String {
        if cluster, let spec = self.cluster {
            let (hostPort, query) = spec.firstIndex(of: "/").map { (spec[..<$0], spec[$0...].drop { $0 == "/" }) } ?? (Substring(spec), "")
            // An environment from before shards= was needed: .ci/clickhouse.sh's shard ports.
            let shards = query.contains("shards=") ? "" : "&shards=127.0.0.1:18124,127.0.0.1:18125"
            return "clickhouse://\(hostPort)/\(database)\(query)\(shards)"
        }
        return "clickhouse://\(server ?? "127.0.0.1:8123")/\(database)"
    }

    /// Drops a test database (through the binary's own client would need a command; curl is simpler).
    static func drop(_ database: String, cluster: Bool = false) {
        let hosts: [String]
        if cluster, let spec = self.cluster {
            // The entry server and the other shard of the test cluster (.ci/clickhouse.sh ports).
            let entry = String(spec.prefix { $0 != "/" })
            hosts = [entry] + (entry.hasSuffix(":18124") ? ["127.0.0.1:18125"] : [])
        } else {
            hosts = [server ?? "127.0.0.1:8123"]
        }
        for host in hosts {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            process.arguments = ["-s", "--max-time", "10", "http://\(host)/", "--data-binary", "DROP DATABASE IF EXISTS \(database)"]
            process.standardOutput = FileHandle.nullDevice
            try? process.run()
            process.waitUntilExit()
        }
    }

    /// Every RFC 3339 time not on the sample data's day (the run's "now") as `<now>`.
    static func normalizingNow(_ text: String) -> String {
        let pattern = try! NSRegularExpression(pattern: #"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"#)
        var result = text
        for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).reversed() {
            guard let range = Range(match.range, in: result), !result[range].hasPrefix("2026-11-20") else { continue }
            result.replaceSubrange(range, with: "<now>")
        }
        return result
    }
}

/// The command lines compared, after both stores ingested SampleFlows/flows/production.jsonl.
let comparedCommands: [[String]] = {
    let window = ["--since", "2026-11-20T10:00:00Z", "--until", "2026-11-20T12:00:00Z"]
    var commands: [[String]] = [
        ["observe"], ["observe", "--all"], ["observe", "--all", "-o", "json"], ["observe", "--last", "7", "-o", "table"],
        ["observe", "--last", "0"], ["observe", "--all", "--verdict", "DROPPED", "-o", "compact"],
        ["observe", "--all", "--from-namespace", "production", "--to-port", "5432"].filter { $0 != "--to-port" && $0 != "5432" },
        ["observe", "--all", "--pod", "production/api", "--protocol", "tcp"],
        ["observe", "--all", "--from-ip", "10.0.0.0/8", "--to-ip", "10.0.0.0/8"],
        ["observe", "--all", "--node", "*-1", "--traffic-direction", "ingress"],
        ["observe", "--all", "--since", "2026-11-20T10:30:00Z", "--until", "2026-11-20T10:31:00.5Z", "-o", "json"],
        ["observe", "--all", "--label", "k8s:app=api", "--drop-reason", "POLICY_DENIED"],
        ["stats"],
        ["replay", "--policies", "SampleFlows/policies"],
        ["replay", "--policies", "SampleFlows/policies", "-o", "json"],
        ["replay", "--policies", "SampleFlows/policies", "-o", "markdown", "--namespace", "production"],
        ["replay", "--policies", "SampleFlows/policies/default-deny-all.yaml", "--fail-on-break"],
        ["replay", "--policies", "SampleFlows/policies/default-deny-all.yaml", "-o", "table", "--from-namespace", "production"],
        ["report"] + window + ["-o", "markdown"],
        ["report"] + window + ["-o", "json", "--policies", "SampleFlows/policies"],
        ["report"] + window + ["-o", "html", "--top", "3"],
        ["report", "--since", "2026-11-20T11:00:00Z", "--until", "2026-11-20T11:30:00Z", "--fail-on-new-drops"],
        ["report", "--since", "2026-11-20T10:59:30Z", "--until", "2026-11-20T11:30:15Z", "--namespace", "production", "-o", "json"],
        ["report", "--since", "2026-11-20T09:00:00Z", "--until", "2026-11-20T10:00:07Z", "--fail-on-new-drops"],
    ]
    for by in ["labels", "workload", "pod", "namespace"] {
        for format in ["table", "json", "csv", "markdown", "dot", "mermaid"] {
            commands.append(["drops", "--by", by, "-o", format])
        }
    }
    let filters: [[String]] = [
        ["--namespace", "production"], ["--from-namespace", "production"], ["--to-namespace", "kube-system"],
        ["--pod", "production/api"], ["--from-pod", "production/web"], ["--to-pod", "production/db"],
        ["--label", "k8s:app=api"], ["--from-label", "k8s:app in (web, api)"], ["--to-label", "!k8s:app"],
        ["--verdict", "DROPPED"], ["--verdict", "FORWARDED"], ["--drop-reason", "POLICY_DENIED"], ["--drop-reason", "133"],
        ["--protocol", "udp"], ["--protocol", "icmpv4"], ["--port", "5432"], ["--port", "53", "--port", "443"],
        ["--from-ip", "10.0.0.0/8"], ["--to-ip", "0.0.0.0/0"], ["--to-ip", "::/0"], ["--node", "*"], ["--node", "no-such-node"],
        ["--traffic-direction", "egress"], ["--since", "2026-11-20T10:30:30Z"], ["--until", "2026-11-20T11:15:45.123Z"],
        ["--since", "2026-11-20T10:15:00Z", "--until", "2026-11-20T10:15:00Z"],
        ["--namespace", "production", "--protocol", "tcp", "--since", "2026-11-20T10:20:00.5Z", "--top", "3"],
    ]
    for filter in filters {
        commands.append(["drops", "-o", "json"] + filter)
        commands.append(["observe", "--all", "-o", "compact"] + filter.filter { $0 != "--top" && $0 != "3" })
    }
    return commands
}()

@Suite(.enabled(if: ClickHouseCLI.server != nil, ClickHouseCLI.skipNote))
struct ClickHouseCLITests {
    /// Ingests the sample flows into an SQLite file and a ClickHouse database.
    static func ingestBoth(_ scratch: Scratch, clickhouse: String) throws -> String {
        let sqlite = scratch.path("flows.db")
        for database in [sqlite, clickhouse] { try Flowlog.ingestSample(into: database) }
        return sqlite
    }

    /// stdout, with stats' first line (the database's name and size) left out.
    static func comparable(_ arguments: [String], _ result: CommandResult) -> String {
        let output = ClickHouseCLI.normalizingNow(result.standardOutput)
        guard arguments.first == "stats" else { return output }
        return output.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().joined(separator: "\n")
    }

    static func expectSameOutput(_ commands: [[String]], sqlite: String, clickhouse: String,
                                 sourceLocation: SourceLocation = #_sourceLocation) throws {
        for arguments in commands {
            let expected = try Flowlog.run([arguments[0], "--db", sqlite] + arguments.dropFirst())
            let actual = try Flowlog.run([arguments[0], "--db", clickhouse] + arguments.dropFirst())
            #expect(actual.status == expected.status, "exit status of \(arguments.joined(separator: " ")): \(actual.standardError)",
                    sourceLocation: sourceLocation)
            #expect(comparable(arguments, actual) == comparable(arguments, expected),
                    "stdout of `flowlog \(arguments.joined(separator: " "))` differs from SQLite's", sourceLocation: sourceLocation)
        }
    }

    @Test func everyCommandPrintsWhatSQLitePrints() throws {
        let scratch = try Scratch()
        let name = ClickHouseCLI.freshName()
        defer { ClickHouseCLI.drop(name) }
        let clickhouse = ClickHouseCLI.url(name)
        let sqlite = try Self.ingestBoth(scratch, clickhouse: clickhouse)
        try Self.expectSameOutput(comparedCommands, sqlite: sqlite, clickhouse: clickhouse)
    }

    @Test func reingestingAddsNothingAndStdinAddsAgain() throws {
        let scratch = try Scratch()
        let name = ClickHouseCLI.freshName()
        defer { ClickHouseCLI.drop(name) }
        let clickhouse = ClickHouseCLI.url(name)
        let sqlite = try Self.ingestBoth(scratch, clickhouse: clickhouse)
        let data = try Data(contentsOf: URL(fileURLWithPath: Flowlog.sampleFlows))
        // Uuid-less lines from standard input: stored again on both (there is no checkpoint),
        // while the uuids' flows are skipped as duplicates.
        let withoutUUIDs = Data(String(decoding: data, as: UTF8.self)
            .replacingOccurrences(of: #""uuid":"[0-9a-f-]*","#, with: "", options: .regularExpression).utf8)
        for database in [sqlite, clickhouse] {
            let again = try Flowlog.run(["ingest", "--db", database, "--verbose", Flowlog.sampleFlows])
            #expect(again.status == 0)
            #expect(again.standardError.contains("ingested 0 flows"), "\(again.standardError)")
            let stdin = try Flowlog.run(["ingest", "--db", database, "-"], input: withoutUUIDs)
            #expect(stdin.status == 0, "\(stdin.standardError)")
        }
        try Self.expectSameOutput([["stats"], ["drops", "--by", "namespace"], ["observe", "--all"]], sqlite: sqlite, clickhouse: clickhouse)
    }

    /// SIGKILL after a batch's rows reached ClickHouse and before its checkpoint: the rerun
    /// reads the same lines again, and no query counts a flow twice — with uuids and without.
    @Test func killedBetweenRowsAndCheckpointCountsNothingTwice() throws {
        let scratch = try Scratch()
        let name = ClickHouseCLI.freshName()
        defer { ClickHouseCLI.drop(name) }
        let clickhouse = ClickHouseCLI.url(name)
        let data = try String(contentsOfFile: Flowlog.sampleFlows, encoding: .utf8)
        let uuidLess = scratch.path("uuid-less.jsonl")
        try data.replacingOccurrences(of: #""uuid":"[0-9a-f-]*","#, with: "", options: .regularExpression)
            .write(toFile: uuidLess, atomically: true, encoding: .utf8)
        let sqlite = scratch.path("flows.db")
        for file in [Flowlog.sampleFlows, uuidLess] {
            let killed = try Flowlog.run(["ingest", "--db", clickhouse + "?test_kill_before_checkpoint=1", file])
            #expect(killed.status == 9 || killed.status == 137 || killed.status == SIGKILL, "not killed: \(killed.status) \(killed.standardError)")
            let stats = try Flowlog.run(["stats", "--db", clickhouse])
            #expect(!stats.standardOutput.contains(file), "a checkpoint was written: \(stats.standardOutput)")
            for database in [clickhouse, sqlite] {
                let result = try Flowlog.run(["ingest", "--db", database, file])
                #expect(result.status == 0, "\(result.standardError)")
            }
        }
        // The drops rollup (fed at insert time) as well as flows: whole minutes from the rollup,
        // the partial minutes at the bounds from flows.
        try Self.expectSameOutput([["stats"], ["drops", "--by", "pod", "-o", "json"], ["observe", "--all", "-o", "json"],
                                   ["drops", "--by", "pod", "-o", "json", "--since", "2026-11-20T10:00:30.5Z",
                                    "--until", "2026-11-20T11:59:59Z"],
                                   ["report", "--since", "2026-11-20T10:00:00Z", "--until", "2026-11-20T12:00:00Z", "-o", "json"]],
                                  sqlite: sqlite, clickhouse: clickhouse)
    }

    @Test func pruneThenEveryAnswerAgrees() throws {
        let scratch = try Scratch()
        let name = ClickHouseCLI.freshName()
        defer { ClickHouseCLI.drop(name) }
        let clickhouse = ClickHouseCLI.url(name)
        let sqlite = try Self.ingestBoth(scratch, clickhouse: clickhouse)
        for database in [sqlite, clickhouse] {
            let result = try Flowlog.run(["prune", "--db", database, "--older-than", "2026-11-20T11:00:00Z"])
            #expect(result.status == 0, "\(result.standardError)")
        }
        try Self.expectSameOutput([["stats"], ["drops"], ["observe", "--all"], ["replay", "--policies", "SampleFlows/policies"],
                                   ["report", "--since", "2026-11-20T10:00:00Z", "--until", "2026-11-20T12:00:00Z"]],
                                  sqlite: sqlite, clickhouse: clickhouse)
    }

    @Test func reportWindowsAdvanceAsOnSQLite() throws {
        let scratch = try Scratch()
        let name = ClickHouseCLI.freshName()
        defer { ClickHouseCLI.drop(name) }
        let clickhouse = ClickHouseCLI.url(name)
        let sqlite = try Self.ingestBoth(scratch, clickhouse: clickhouse)
        for _ in 0..<2 {
            try Self.expectSameOutput([["report", "--window", "last-report", "--mark", "-o", "json", "--fail-on-new-drops"]],
                                      sqlite: sqlite, clickhouse: clickhouse)
        }
    }

    @Test func followStoresWhatIsAppendedOnce() throws {
        let scratch = try Scratch()
        let name = ClickHouseCLI.freshName()
        defer { ClickHouseCLI.drop(name) }
        let clickhouse = ClickHouseCLI.url(name)
        let lines = try String(contentsOfFile: Flowlog.sampleFlows, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let live = scratch.path("live.jsonl")
        try (lines[..<1000].joined(separator: "\n") + "\n").write(toFile: live, atomically: false, encoding: .utf8)
        let follow = Process()
        follow.executableURL = Flowlog.binary
        follow.arguments = ["ingest", "--db", clickhouse, "--follow", live]
        follow.standardError = FileHandle.nullDevice
        try follow.run()
        let handle = try #require(FileHandle(forWritingAtPath: live))
        handle.seekToEndOfFile()
        for chunk in stride(from: 1000, to: lines.count, by: 500) {
            Thread.sleep(forTimeInterval: 0.3)
            handle.write(Data((lines[chunk..<min(chunk + 500, lines.count)].joined(separator: "\n") + "\n").utf8))
        }
        try handle.close()
        Thread.sleep(forTimeInterval: 2)
        follow.terminate()
        follow.waitUntilExit()
        #expect(follow.terminationStatus == 0)
        let sqlite = scratch.path("flows.db")
        #expect(try Flowlog.run(["ingest", "--db", sqlite, live]).status == 0)
        try Self.expectSameOutput([["stats"], ["drops", "-o", "csv"], ["observe", "--all", "-o", "json"]], sqlite: sqlite, clickhouse: clickhouse)
    }

    @Test func anUnreachableServerFailsWithExit1NamingIt() throws {
        let result = try Flowlog.run(["drops", "--db", "clickhouse://127.0.0.1:1/flowlog"])
        #expect(result.status == 1)
        #expect(result.standardOutput.isEmpty)
        #expect(result.standardError.hasPrefix("flowlog: error: clickhouse://127.0.0.1:1/flowlog: cannot reach ClickHouse at 127.0.0.1:1"),
                "\(result.standardError)")
        let environment = try Flowlog.run(["stats"], environment: ["FLOWLOG_DB": "clickhouse://127.0.0.1:1/flowlog"])
        #expect(environment.status == 1)
        let bad = try Flowlog.run(["stats", "--db", "clickhouse://127.0.0.1/bad-name"])
        #expect(bad.status == 64)
        #expect(bad.standardError.contains("the database name must be letters, digits and _"))
    }
}

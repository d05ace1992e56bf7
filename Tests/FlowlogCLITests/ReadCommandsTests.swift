import Foundation
import Testing

/// Read commands never create a database, and read one they may not write.
@Suite struct ReadCommandsTests {
    let scratch: Scratch
    init() throws { scratch = try Scratch() }

    static let policies = Flowlog.packageRoot.appendingPathComponent("SampleFlows/policies").path

    /// Every command that reads a database, with the arguments it needs besides `--db`.
    static let readCommands: [[String]] = [
        ["stats"], ["drops"], ["observe"], ["report"], ["report", "--window", "last-report"],
        ["replay", "--policies", policies], ["policy", "lint", policies], ["prune", "--older-than", "7d"],
    ]

    /// Everything under `directory`, recursively.
    func contents(_ directory: String) -> [String] {
        (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? []).sorted()
    }

    @Test(arguments: readCommands)
    func aMissingDatabaseIsAnErrorAndNothingIsCreated(_ command: [String]) throws {
        // In a directory that does not exist either: neither may be created.
        let database = scratch.path("typo/flows.db")
        let result = try Flowlog.run(command + ["--db", database])
        #expect(result.status == 1)
        #expect(result.standardOutput.isEmpty)
        #expect(result.standardError == "flowlog: error: no flow database at \(database) (run `flowlog ingest` first, or pass --db)\n")
        #expect(contents(scratch.url.path).isEmpty, "created \(contents(scratch.url.path))")
    }

    @Test(arguments: readCommands.filter { $0.first != "policy" })
    func theDefaultDatabaseIsNotCreatedByAReadEither(_ command: [String]) throws {
        let dataHome = scratch.path("data")
        let result = try Flowlog.run(command, environment: ["XDG_DATA_HOME": dataHome])
        #expect(result.status == 1)
        #expect(result.standardError == "flowlog: error: no flow database at \(dataHome)/flowlog/flows.db "
                + "(run `flowlog ingest` first, or pass --db)\n")
        #expect(contents(scratch.url.path).isEmpty, "created \(contents(scratch.url.path))")
    }

    @Test func lintWithoutTheDefaultDatabaseSkipsTheFlowChecksAndCreatesNothing() throws {
        let dataHome = scratch.path("data")
        let result = try Flowlog.run(["policy", "lint", Self.policies], environment: ["XDG_DATA_HOME": dataHome])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("(no stored flows: the checks against seen pods were skipped)"))
        #expect(contents(scratch.url.path).isEmpty)
    }

    @Test func evaluateOpensNoDatabase() throws {
        let dataHome = scratch.path("data")
        let result = try Flowlog.run(["evaluate", "--policies", Self.policies, "--from", "production/app=frontend",
                                      "--to", "production/app=database", "--port", "5432/TCP"],
                                     environment: ["XDG_DATA_HOME": dataHome])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(contents(scratch.url.path).isEmpty)
    }

    @Test func anEmptyFileIsNotAFlowDatabaseAndStaysEmpty() throws {
        let database = scratch.path("empty.db")
        #expect(FileManager.default.createFile(atPath: database, contents: Data()))
        let result = try Flowlog.run(["drops", "--db", database])
        #expect(result.status == 1)
        #expect(result.standardError.hasPrefix("flowlog: error: no flow database at \(database) "))
        #expect(try Data(contentsOf: URL(fileURLWithPath: database)).isEmpty)
        #expect(contents(scratch.url.path) == ["empty.db"])
    }

    @Test func aReadDoesNotWriteTheDatabase() throws {
        let database = scratch.path("flows.db")
        try Flowlog.ingestSample(into: database)
        let before = try Data(contentsOf: URL(fileURLWithPath: database))
        for command in [["stats"], ["drops", "--port", "5432"], ["observe"], ["report"]] {
            #expect(try Flowlog.run(command + ["--db", database]).status == 0)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: database)) == before)
        // A reader may leave SQLite's -wal and -shm files (it may not check the WAL back in), but
        // never anything in the WAL.
        let wal = (try? Data(contentsOf: URL(fileURLWithPath: database + "-wal"))) ?? Data()
        #expect(wal.isEmpty)
    }

    /// A user who may read the database but not write it or its directory can query it. Run as
    /// root (where permission checks do not apply), the commands run as `nobody` through
    /// setpriv; without setpriv the test is skipped.
    @Test func aDatabaseInADirectoryTheUserMayNotWriteCanBeRead() throws {
        let directory = scratch.path("readonly")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        let database = directory + "/flows.db"
        try Flowlog.ingestSample(into: database)
        var prefix: [String] = []
        if geteuid() == 0 {
            let setpriv = "/usr/bin/setpriv"
            guard FileManager.default.isExecutableFile(atPath: setpriv) else {
                print("skipped: running as root, and no setpriv to run the commands as another user")
                return
            }
            prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", Flowlog.binary.path]
            chmod(scratch.url.path, 0o755)
        }
        chmod(database, 0o444)
        chmod(directory, 0o555)
        defer { chmod(directory, 0o755) }
        chmod(database, 0o644)
        let expected = try Flowlog.run(["drops", "--db", database])
        // A writer that closes last checks the WAL in and removes the -wal and -shm files, so the
        // reads below find neither (and cannot create them).
        try #require(try Flowlog.run(["report", "--window", "last-report", "--db", database, "--out", "/dev/null"]).status == 0)
        try #require(contents(directory) == ["flows.db"])
        for command in [["stats"], ["drops"], ["observe", "--last", "3"], ["drops", "--port", "5432"]] {
            let result = try run(prefix, command + ["--db", database])
            #expect(result.status == 0, "\(command): \(result.standardError)")
            #expect(!result.standardOutput.isEmpty)
            if command == ["drops"] { #expect(result.standardOutput == expected.standardOutput) }
        }
        #expect(contents(directory) == ["flows.db"])
        // Writing is refused in plain words, without SQLite's code unless --verbose.
        let write = ["report", "--window", "last-report", "--db", database, "--out", "/dev/null"]
        let refused = try run(prefix, write)
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("may not be written"), "\(refused.standardError)")
        #expect(!refused.standardError.contains("SQLite code"))
        let verbose = try run(prefix, write + ["--verbose"])
        #expect(verbose.standardError.contains("(SQLite code "), "\(verbose.standardError)")
    }

    /// Runs the binary directly, or through `prefix` (setpriv and the binary).
    private func run(_ prefix: [String], _ arguments: [String]) throws -> CommandResult {
        guard let tool = prefix.first else { return try Flowlog.run(arguments) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = Array(prefix.dropFirst()) + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        var environment = ProcessInfo.processInfo.environment
        environment["FLOWLOG_DB"] = nil
        process.environment = environment
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
                             standardError: String(decoding: errorData, as: UTF8.self))
    }
}

/// The same rule on ClickHouse: only ingest creates the database and its schema.
@Suite(.enabled(if: ClickHouseCLI.server != nil, ClickHouseCLI.skipNote))
struct ClickHouseReadCommandsTests {
    /// Whether `database` exists on the server at `hostPort`.
    static func exists(_ database: String, at hostPort: String) throws -> Bool {
        let answer = try ClickHouseCLI.query(hostPort, "SELECT count() FROM system.databases WHERE name = '\(database)'")
        return answer.trimmingCharacters(in: .whitespacesAndNewlines) != "0"
    }

    @Test(arguments: [false, true])
    func aReadOnAMissingDatabaseCreatesNothing(onCluster: Bool) throws {
        if onCluster && ClickHouseCLI.cluster == nil { return }
        let name = ClickHouseCLI.freshName()
        let url = ClickHouseCLI.url(name, cluster: onCluster)
        defer { ClickHouseCLI.drop(name, cluster: onCluster) }
        // Messages name the store without the shards' HTTP addresses.
        let shown = url.replacingOccurrences(of: "&shards=[^&]*", with: "", options: .regularExpression)
        for command in ReadCommandsTests.readCommands {
            let result = try Flowlog.run(command + ["--db", url])
            #expect(result.status == 1, "\(command)")
            #expect(result.standardError.hasPrefix("flowlog: error: no flow database at \(shown) (run `flowlog ingest` first, or pass --db)"),
                    "\(command): \(result.standardError)")
        }
        let hosts = onCluster ? ClickHouseCLI.shardHTTPAddresses : [ClickHouseCLI.server ?? ""]
        for host in hosts { #expect(try !Self.exists(name, at: host), "created on \(host)") }
        // Ingest creates it, and then the reads work.
        let ingest = try Flowlog.run(["ingest", "--db", url, Flowlog.sampleFlows])
        #expect(ingest.status == 0, "\(ingest.standardError)")
        #expect(try Flowlog.run(["stats", "--db", url]).status == 0)
    }
}

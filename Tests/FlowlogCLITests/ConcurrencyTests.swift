import Foundation
import Testing

/// `ingest --follow` keeps writing while readers and a second writer run: WAL, a busy timeout
/// and short write transactions mean nobody fails with "database is locked".
@Suite struct ConcurrencyTests {
    @Test func readersAndASecondWriterRunWhileFollowIngests() throws {
        let scratch = try Scratch()
        let database = scratch.path("flows.db")
        let live = scratch.path("live.jsonl")
        let other = scratch.path("other.jsonl")
        let lines = try String(contentsOfFile: Flowlog.sampleFlows, encoding: .utf8).split(separator: "\n")
            .filter { $0.contains("\"flow\"") && !$0.contains("\"verdict\":{}") && $0.hasSuffix("}") }
        // The live file gets the first half, the other file the second half: no uuid in both.
        let half = lines.count / 2
        let liveLines = Array(lines[..<half])
        let otherLines = Array(lines[half...])
        func chunk(_ source: [Substring], _ index: Int, of count: Int) -> String {
            let size = (source.count + count - 1) / count
            return source.dropFirst(index * size).prefix(size).joined(separator: "\n") + "\n"
        }
        try Data(chunk(liveLines, 0, of: 8).utf8).write(to: URL(fileURLWithPath: live))
        let follow = Process()
        follow.executableURL = Flowlog.binary
        follow.arguments = ["ingest", "--db", database, "--follow", live]
        let followError = Pipe()
        follow.standardError = followError
        try follow.run()

        var failures: [String] = []
        for round in 1..<8 {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: live))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(chunk(liveLines, round, of: 8).utf8))
            try handle.close()
            try Data(chunk(otherLines, round - 1, of: 7).utf8).write(to: URL(fileURLWithPath: other + "\(round)"))
            let commands: [[String]] = [
                ["ingest", "--db", database, other + "\(round)"],
                ["drops", "--db", database, "--namespace", "production"],
                ["observe", "--db", database, "--last", "5"],
                ["report", "--db", database, "--since", "2026-11-20T10:00:00Z", "--until", "2026-11-20T12:00:00Z", "-o", "json"],
                ["stats", "--db", database],
            ]
            for command in commands {
                let result = try Flowlog.run(command)
                if result.status != 0 || result.standardError.contains("locked") {
                    failures.append("\(command[0]) in round \(round): status \(result.status) \(result.standardError)")
                }
            }
        }
        // Let the follower catch up with the last append, then stop it.
        for _ in 0..<300 {
            if try Flowlog.run(["stats", "--db", database]).standardOutput.contains("flows:         \(lines.count)\n") { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        follow.terminate()
        follow.waitUntilExit()
        #expect(failures.isEmpty, "\(failures)")
        #expect(follow.terminationStatus == 0)
        let stats = try Flowlog.run(["stats", "--db", database])
        #expect(stats.standardOutput.contains("flows:         \(lines.count)\n"), "\(stats.standardOutput)")
        let stderr = String(decoding: followError.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(!stderr.contains("locked"))
    }
}

import Foundation
import Testing

/// Killing ingest never loses or double-counts a flow: rows and the input's checkpoint are
/// committed in one transaction. The flows here have no uuid, so de-duplication by uuid cannot
/// hide a double count; only the checkpoint keeps each flow once.
@Suite struct CrashSafetyTests {
    @Test func ingestKilledAtSeveralPointsStoresEveryFlowExactlyOnce() throws {
        let scratch = try Scratch()
        let input = scratch.path("big.jsonl")
        let database = scratch.path("flows.db")
        let lines = try String(contentsOfFile: Flowlog.sampleFlows, encoding: .utf8).split(separator: "\n")
            .filter { $0.contains("\"flow\"") && !$0.contains("\"verdict\":{}") && $0.hasSuffix("}") }
            .map { $0.replacingOccurrences(of: #""uuid":"[0-9a-f-]+","#, with: "", options: .regularExpression) }
        var text = ""
        for _ in 0..<12 { text += lines.joined(separator: "\n") + "\n" }
        try Data(text.utf8).write(to: URL(fileURLWithPath: input))
        let expected = lines.count * 12

        func storedFlows() throws -> Int {
            let stats = try Flowlog.run(["stats", "--db", database]).standardOutput
            let line = stats.split(separator: "\n").first { $0.hasPrefix("flows:") } ?? ""
            return Int(line.split(separator: " ").last ?? "") ?? 0
        }
        var killedMidway = 0
        for _ in 0..<3 {
            let before = try storedFlows()
            let process = Process()
            process.executableURL = Flowlog.binary
            process.arguments = ["ingest", "--db", database, input]
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Kill it right after it committed something more, in the middle of the file.
            for _ in 0..<500 where process.isRunning {
                if try storedFlows() > before { break }
                Thread.sleep(forTimeInterval: 0.01)
            }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                killedMidway += 1
            }
            process.waitUntilExit()
        }
        #expect(killedMidway > 0, "the file is large enough to kill ingest before it finishes")
        let finish = try Flowlog.run(["ingest", "--db", database, input])
        #expect(finish.status == 0, "\(finish.standardError)")
        let stats = try Flowlog.run(["stats", "--db", database])
        #expect(stats.standardOutput.contains("flows:         \(expected)\n"), "\(stats.standardOutput)")
        // And the rollups agree with the rows that survived.
        let drops = try Flowlog.run(["drops", "--db", database, "--top", "0", "-o", "json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(drops.standardOutput.utf8)) as? [String: Any])
        #expect(report["total_drops"] as? Int == 271 * 12)
    }
}

@Suite struct FollowCrashSafetyTests {
    /// `ingest --follow` killed with SIGKILL while its file grows and rotates, then started again,
    /// stores every flow exactly once (the flows have no uuid, so only checkpoints keep them once).
    @Test func followKilledWhileTheFileGrowsAndRotatesLosesAndRepeatsNothing() throws {
        let scratch = try Scratch()
        let database = scratch.path("flows.db")
        let live = scratch.path("live.jsonl")
        let lines = try String(contentsOfFile: Flowlog.sampleFlows, encoding: .utf8).split(separator: "\n")
            .filter { $0.contains("\"flow\"") && !$0.contains("\"verdict\":{}") && $0.hasSuffix("}") }
            .map { $0.replacingOccurrences(of: #""uuid":"[0-9a-f-]+","#, with: "", options: .regularExpression) }
        let parts = stride(from: 0, to: lines.count, by: 500).map { lines[$0..<min($0 + 500, lines.count)] }
        func append(_ part: ArraySlice<String>, to path: String) throws {
            if !FileManager.default.fileExists(atPath: path) { try #require(FileManager.default.createFile(atPath: path, contents: nil)) }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((part.joined(separator: "\n") + "\n").utf8))
            try handle.close()
        }
        func startFollow() throws -> Process {
            let process = Process()
            process.executableURL = Flowlog.binary
            process.arguments = ["ingest", "--db", database, "--follow", live]
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        func storedFlows() throws -> Int {
            let stats = try Flowlog.run(["stats", "--db", database]).standardOutput
            let line = stats.split(separator: "\n").first { $0.hasPrefix("flows:") } ?? ""
            return Int(line.split(separator: " ").last ?? "") ?? 0
        }
        var follower = try startFollow()
        for (index, part) in parts.enumerated() {
            let before = try storedFlows()
            try append(part, to: live)
            if index % 2 == 1 {
                // Kill it hard as soon as it has committed part of what was appended, then start it again.
                for _ in 0..<400 where try storedFlows() == before { Thread.sleep(forTimeInterval: 0.01) }
                kill(follower.processIdentifier, SIGKILL)
                follower.waitUntilExit()
                follower = try startFollow()
            }
            if index == 3 {
                // Rotate while no follower runs: the old file moves away with lines not read
                // yet, and a new one takes its path; the next follower must finish the old one.
                kill(follower.processIdentifier, SIGKILL)
                follower.waitUntilExit()
                try FileManager.default.moveItem(atPath: live, toPath: live + ".1")
                try #require(FileManager.default.createFile(atPath: live, contents: nil))
                follower = try startFollow()
            }
        }
        for _ in 0..<400 {
            if try Flowlog.run(["stats", "--db", database]).standardOutput.contains("flows:         \(lines.count)\n") { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        follower.terminate()
        follower.waitUntilExit()
        let stats = try Flowlog.run(["stats", "--db", database]).standardOutput
        #expect(stats.contains("flows:         \(lines.count)\n"), "\(stats)")
    }
}

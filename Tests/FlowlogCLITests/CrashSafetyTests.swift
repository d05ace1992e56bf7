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

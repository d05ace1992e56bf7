import Foundation
import Testing

/// Ingests of the same input at the same time — two plain runs, a follow and repeated runs, or
/// the file through a hard link — store each line once. The lines have no uuid, so only the
/// per-file positions (advanced by compare-and-set in the write transaction) keep them once.
@Suite struct SameInputTests {
    /// `count` uuid-less flow lines from the sample capture, made distinct by their line number.
    static func lines(_ count: Int) throws -> [String] {
        let sample = try String(contentsOfFile: Flowlog.sampleFlows, encoding: .utf8).split(separator: "\n")
            .filter { $0.contains("\"flow\"") && !$0.contains("\"verdict\":{}") && $0.hasSuffix("}") }
            .map { $0.replacingOccurrences(of: #""uuid":"[0-9a-f-]+","#, with: "", options: .regularExpression) }
        return (0..<count).map { sample[$0 % sample.count] + String(repeating: " ", count: $0 / sample.count) }
    }

    static func storedFlows(_ database: String) throws -> Int {
        let stats = try Flowlog.run(["stats", "--db", database]).standardOutput
        let line = stats.split(separator: "\n").first { $0.hasPrefix("flows:") } ?? ""
        return Int(line.split(separator: " ").last ?? "") ?? -1
    }

    static func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = Flowlog.binary
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test(arguments: 0..<4) func twoConcurrentIngestsOfOneFileStoreItOnce(round: Int) throws {
        let scratch = try Scratch()
        let database = scratch.path("flows.db")
        let input = scratch.path("f.jsonl")
        let lines = try SameInputTests.lines(20_000)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: input))
        // Through a hard link too: the same file, whatever its name.
        try FileManager.default.linkItem(atPath: input, toPath: scratch.path("link.jsonl"))
        let first = try SameInputTests.start(["--db", database, "ingest", input])
        let second = try SameInputTests.start(["--db", database, "ingest", round % 2 == 0 ? input : scratch.path("link.jsonl")])
        first.waitUntilExit()
        second.waitUntilExit()
        #expect(first.terminationStatus == 0 && second.terminationStatus == 0)
        #expect(try SameInputTests.storedFlows(database) == lines.count)
    }

    @Test func aFollowAndRepeatedPlainIngestsOfOneFileStoreItOnce() throws {
        let scratch = try Scratch()
        let database = scratch.path("flows.db")
        let input = scratch.path("live.jsonl")
        let lines = try SameInputTests.lines(30_000)
        let chunks = stride(from: 0, to: lines.count, by: 3_000).map { lines[$0..<min($0 + 3_000, lines.count)] }
        try Data((chunks[0].joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: input))
        let follow = try SameInputTests.start(["--db", database, "ingest", "--follow", input])
        for chunk in chunks.dropFirst() {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: input))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((chunk.joined(separator: "\n") + "\n").utf8))
            try handle.close()
            let plain = try Flowlog.run(["--db", database, "ingest", input])
            #expect(plain.status == 0, "\(plain.standardError)")
        }
        for _ in 0..<300 where try SameInputTests.storedFlows(database) < lines.count {
            Thread.sleep(forTimeInterval: 0.05)
        }
        Thread.sleep(forTimeInterval: 0.5)
        follow.terminate()
        follow.waitUntilExit()
        #expect(follow.terminationStatus == 0)
        #expect(try SameInputTests.storedFlows(database) == lines.count)
    }

    /// Gzip is recognised by its first bytes on standard input too, and a missing file among
    /// several does not stop the others (exit 1 after storing them).
    @Test func gzippedStandardInputAndAMissingFileAmongOthers() throws {
        let scratch = try Scratch()
        let database = scratch.path("flows.db")
        let lines = try SameInputTests.lines(100)
        let plain = scratch.path("f.jsonl")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: plain))
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
        gzip.arguments = ["-k", plain]
        try gzip.run()
        gzip.waitUntilExit()
        let compressed = try Data(contentsOf: URL(fileURLWithPath: plain + ".gz"))
        let fromStandardInput = try Flowlog.run(["--db", database, "ingest", "--verbose", "-"], input: compressed)
        #expect(fromStandardInput.status == 0, "\(fromStandardInput.standardError)")
        #expect(fromStandardInput.standardError.contains("ingested 100 flows"), "\(fromStandardInput.standardError)")

        let other = scratch.path("other.jsonl")
        try Data((lines.prefix(3).map { $0 + "  " }.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: other))
        let mixed = try Flowlog.run(["--db", database, "ingest", scratch.path("nope.jsonl"), other])
        #expect(mixed.status == 1)
        #expect(mixed.standardError.contains("nope.jsonl: error: cannot open"), "\(mixed.standardError)")
        #expect(mixed.standardError.contains("ingested 3 flows"), "\(mixed.standardError)")
        #expect(try SameInputTests.storedFlows(database) == 103)
    }
}

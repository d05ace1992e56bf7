import Foundation
import Synchronization
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogIngest
@testable import FlowlogSQLite
import FlowlogTestSupport

/// Decoding on several threads changes nothing a run produces: the batches (their records, the
/// records' positions, the checkpoints written with them, which are partial), the diagnostics and
/// the totals are those of decoding on the reading thread, whatever the chunk sizes.
@Suite struct ParallelDecodeTests {
    /// A batch as the store received it, in a form two runs can be compared by (the checkpoints
    /// without the run's start time).
    struct WrittenBatch: Equatable {
        var flows: [String]
        var flowPositions: [RecordPosition]
        var lostEvents: [Int64]
        var lostPositions: [RecordPosition]
        var nonFlowRecords: [String]
        var checkpoints: [String]
        var isPartial: Bool

        init(_ batch: IngestBatch) {
            flows = batch.flows.map { "\($0.time.rawValue) \($0.uuid?.description ?? "-") \($0.verdict)" }
            flowPositions = batch.positions.flows
            lostEvents = batch.lostEvents.map(\.count)
            lostPositions = batch.positions.lostEvents
            nonFlowRecords = batch.positions.nonFlowRecords.map { "\($0.kind.rawValue)@\($0.position.line)#\($0.position.digest)" }
                + batch.nonFlowCounts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue)×\($0.value)" }
            checkpoints = batch.advances.map {
                "\($0.expected?.offset ?? -1)/\($0.expected?.line ?? -1) → \($0.next.offset)/\($0.next.line) finished: \($0.next.isFinished) head: \($0.next.headLength)"
            }
            isPartial = batch.isPartial
        }
    }

    struct Run: Equatable {
        var batches: [WrittenBatch]
        var diagnostics: [IngestDiagnostic]
        var summary: IngestSummary
        var stored: [Int]
    }

    /// How one run splits its work: decode threads and chunk limits.
    struct Split: CustomTestStringConvertible, Sendable {
        var workers: Int
        var chunkLines: Int
        var chunkBytes: Int
        var testDescription: String { "\(workers) workers, chunks of \(chunkLines) lines / \(chunkBytes) bytes" }
    }

    static let splits = [
        Split(workers: 2, chunkLines: 512, chunkBytes: 1 << 18),
        Split(workers: 3, chunkLines: 7, chunkBytes: 1 << 18),
        Split(workers: 4, chunkLines: 512, chunkBytes: 3000),
        Split(workers: 1, chunkLines: 1, chunkBytes: 1),
    ]

    /// Splits that stop part way through the 3,000 lines: with chunks of 512 lines, the chunks in
    /// flight when stopping is noticed already hold them all.
    static let stoppingSplits = [
        Split(workers: 1, chunkLines: 1, chunkBytes: 1),
        Split(workers: 2, chunkLines: 20, chunkBytes: 1 << 18),
        Split(workers: 3, chunkLines: 7, chunkBytes: 1 << 18),
        Split(workers: 4, chunkLines: 512, chunkBytes: 3000),
    ]

    static let maxLineBytes = 4096

    /// 3,000 numbered lines of varied length (2 MB: the reader's 260 KiB buffer ends mid-line many
    /// times), with malformed, blank, oversized, invalid UTF-8, prefixed and non-flow lines among
    /// them, and a last line without its newline.
    static func content(lines count: Int = 3000) -> Data {
        var data = Data()
        for n in 0..<count {
            switch n {
            case _ where n % 97 == 50:
                data += Data("{\"flow\":{\"verdict\":\n".utf8)
            case _ where n % 131 == 7:
                data += Data("   \n".utf8)
            case _ where n % 211 == 100:
                data += Data((#"{"lost_events":{"source":"PERF_EVENT_RING_BUFFER","num_events_lost":"\#(n)","cpu":1},"node_name":"n","time":"2026-11-20T10:00:00Z"}"# + "\n").utf8)
            case _ where n % 307 == 200:
                data += Data((#"{"node_status":{"state_change":"NODE_CONNECTED"},"node_name":"n","time":"2026-11-20T10:00:00Z"}"# + "\n").utf8)
            case 1234:
                data += Data((String(repeating: "x", count: maxLineBytes + 900) + "\n").utf8)
            case 1777:
                data += Data([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D, 0x0A])
            case _ where n % 113 == 3:
                data += Data(("2026-11-20T10:00:00.123456789Z stdout F " + NumberedLines.line(n) + "\n").utf8)
            default:
                // Varied lengths: the pod names grow and shrink with n.
                let name = "web" + String(repeating: "w", count: n % 83)
                var line = FlowLines.flow(uuid: nil, time: String(format: "2026-11-20T%02d:%02d:%02dZ", n / 3600, n / 60 % 60, n % 60), from: name)
                if n == count - 1 { line += "" } else { line += "\n" }
                data += Data(line.utf8)
            }
        }
        return data
    }

    /// Batches of 100 flows that end by size and at the end of the input only (a commit because
    /// half a second passed would fall on different lines in two runs of a loaded machine), the
    /// split's threads and chunks, and the tests' line limit.
    static func options(_ split: Split) -> IngestOptions {
        var options = IngestOptions()
        options.batchSize = 100
        options.commitInterval = .infinity
        options.maxLineBytes = maxLineBytes
        options.decodeWorkers = split.workers
        options.chunkLines = split.chunkLines
        options.chunkBytes = split.chunkBytes
        return options
    }

    func run(_ inputs: [IngestInput], database: String, split: Split, shouldStop: @escaping () -> Bool = { false }) throws -> Run {
        let store = try FailingStore(path: database, failAt: Int.max)
        let options = Self.options(split)
        var diagnostics: [IngestDiagnostic] = []
        let summary = try Ingestor(store: store, options: options, diagnostics: { diagnostics.append($0) },
                                   shouldStop: shouldStop).run(inputs)
        return Run(batches: store.batches.map(WrittenBatch.init), diagnostics: diagnostics, summary: summary,
                   stored: try NumberedLines.stored(database))
    }

    /// The same input read with one decoder on the reading thread: what every split must match.
    func baseline(_ name: String, _ content: Data, in directory: TemporaryDirectory, gzip: Bool = false) throws -> Run {
        let file = try write(name, content, in: directory, gzip: gzip)
        return try run([.file(file)], database: directory.path("\(name)-baseline.db"),
                       split: Split(workers: 1, chunkLines: 512, chunkBytes: 1 << 18))
    }

    func write(_ name: String, _ content: Data, in directory: TemporaryDirectory, gzip: Bool) throws -> String {
        let path = directory.path(name)
        try content.write(to: URL(fileURLWithPath: path))
        guard gzip else { return path }
        try NumberedLines.gzip(path)
        return path + ".gz"
    }

    @Test(arguments: splits) func aFileGivesTheSameBatchesCheckpointsAndDiagnostics(split: Split) throws {
        let directory = try TemporaryDirectory()
        let expected = try baseline("a.jsonl", Self.content(), in: directory)
        // The baseline itself is what the input holds, so matching it means something.
        #expect(expected.batches.count >= 29)
        #expect(expected.diagnostics.map(\.line).contains(1235), "the oversized line")
        #expect(expected.diagnostics.contains { $0.line == 1778 && $0.message == "invalid UTF-8" })
        #expect(expected.summary.lines == 3000)
        #expect(expected.stored.count == expected.summary.ingested)
        #expect(expected.batches.last?.checkpoints.last?.contains("/3000 finished") == true)

        let file = directory.path("a.jsonl")
        let actual = try run([.file(file)], database: directory.path("split.db"), split: split)
        #expect(actual.batches == expected.batches)
        #expect(actual.diagnostics == expected.diagnostics)
        #expect(actual.summary == expected.summary)
        #expect(actual.stored == expected.stored)
    }

    @Test(arguments: splits) func aGzipFileGivesTheSameBatches(split: Split) throws {
        let directory = try TemporaryDirectory()
        let expected = try baseline("a.jsonl", Self.content(), in: directory, gzip: true)
        let actual = try run([.file(directory.path("a.jsonl.gz"))], database: directory.path("split.db"), split: split)
        #expect(actual.batches == expected.batches)
        #expect(actual.diagnostics == expected.diagnostics)
        #expect(actual.summary == expected.summary)
    }

    /// A file that grew between two runs is read on from the checkpoint, with the same line numbers.
    @Test(arguments: splits) func aGrownFileContinuesFromTheSameCheckpoint(split: Split) throws {
        let directory = try TemporaryDirectory()
        let all = Self.content()
        let cut = try #require(all.prefix(all.count / 2).lastIndex(of: 0x0A)) + 1
        var runs: [[Run]] = []
        for (name, chosen) in [("one", Split(workers: 1, chunkLines: 512, chunkBytes: 1 << 18)), ("split", split)] {
            let path = directory.path("\(name).jsonl")
            try all.prefix(cut).write(to: URL(fileURLWithPath: path))
            let first = try run([.file(path)], database: directory.path("\(name).db"), split: chosen)
            let handle = try #require(FileHandle(forWritingAtPath: path))
            try handle.seekToEnd()
            try handle.write(contentsOf: all.suffix(from: cut))
            try handle.close()
            let second = try run([.file(path)], database: directory.path("\(name).db"), split: chosen)
            runs.append([first, second])
        }
        let (expected, actual) = (runs[0], runs[1])
        #expect(expected[1].diagnostics.first.map { $0.line > 1 } == true, "line numbers continue")
        #expect(expected[1].summary.lines + expected[0].summary.lines == 3000)
        for index in 0..<2 {
            // The checkpoints name different paths' files but the same offsets and lines.
            #expect(actual[index].batches == expected[index].batches)
            #expect(actual[index].diagnostics.map(\.line) == expected[index].diagnostics.map(\.line))
            #expect(actual[index].summary == expected[index].summary)
        }
        #expect(actual[1].stored == expected[1].stored)
    }

    /// Told to stop part way, ingest commits what it read, nothing more; the next run stores the
    /// rest, so every flow is stored exactly once.
    @Test(arguments: stoppingSplits) func stoppingPartWayCommitsWhatWasReadAndTheNextRunTheRest(split: Split) throws {
        let directory = try TemporaryDirectory()
        let file = try write("a.jsonl", Self.content(), in: directory, gzip: false)
        let expected = try baseline("b.jsonl", Self.content(), in: directory)
        let database = directory.path("split.db")
        let polls = Mutex(0)
        let stopped = try run([.file(file)], database: database, split: split,
                              shouldStop: { polls.withLock { $0 += 1; return $0 > 5 } })
        #expect(stopped.summary.lines < 3000, "stopped before the end")
        #expect(stopped.summary.lines > 0)
        let checkpoint = try #require(stopped.batches.last?.checkpoints.last)
        #expect(checkpoint.contains("/\(stopped.summary.lines) finished"), "the checkpoint is after the last line taken")
        let rest = try run([.file(file)], database: database, split: split)
        #expect(stopped.summary.lines + rest.summary.lines == 3000)
        #expect(rest.stored == expected.stored, "each flow stored once")
        #expect(stopped.diagnostics.map(\.line) + rest.diagnostics.map(\.line) == expected.diagnostics.map(\.line))
    }
}


/// What the decode threads must not change at the edges of a run: the order of diagnostics, a
/// second run of one ingestor, and two ingests of one file at once.
@Suite struct DecodeEdgeTests {
    func options(_ split: ParallelDecodeTests.Split) -> IngestOptions { ParallelDecodeTests.options(split) }

    /// The note about an unterminated last line comes after the warnings of the lines before it,
    /// though those lines are still being decoded when the end of the file is reached.
    @Test(arguments: [ParallelDecodeTests.Split(workers: 1, chunkLines: 512, chunkBytes: 1 << 18),
                      ParallelDecodeTests.Split(workers: 3, chunkLines: 512, chunkBytes: 1 << 18),
                      ParallelDecodeTests.Split(workers: 2, chunkLines: 4, chunkBytes: 1 << 18)])
    func theIncompleteLastLineIsNotedAfterTheLinesBeforeIt(split: ParallelDecodeTests.Split) throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("a.jsonl")
        var text = (0..<30).map { FlowLines.flow(uuid: FlowLines.uuid($0 + 1), time: String(format: "2026-11-20T10:00:%02dZ", $0)) + "\n" }.joined()
        text += "{\"flow\":{\"verdict\":\n"
        text += #"{"flow":{"time":"2026-11-20T10:00:00Z","#
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var diagnostics: [IngestDiagnostic] = []
        let summary = try Ingestor(store: try SQLiteFlowStore(path: directory.path("flows.db")), options: options(split),
                                   diagnostics: { diagnostics.append($0) }).run([.file(path)])
        #expect(summary.ingested == 30)
        #expect(diagnostics.map(\.line) == [31, 32])
        #expect(diagnostics.last?.severity == .note)
    }

    @Test func anIngestorRunsOnce() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("a.jsonl")
        try (FlowLines.flow(uuid: FlowLines.uuid(1)) + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let ingestor = Ingestor(store: try SQLiteFlowStore(path: directory.path("flows.db")),
                                options: options(ParallelDecodeTests.Split(workers: 2, chunkLines: 512, chunkBytes: 1 << 18)),
                                diagnostics: { _ in })
        #expect(try ingestor.run([.file(path)]).ingested == 1)
        #expect(throws: IngestError.self) { try ingestor.run([.file(path)]) }
    }

    /// Two ingests of one file at once, each with lines in flight on its decode threads when the
    /// other moves the file's position: every line is taken by exactly one of them.
    @Test(arguments: 0..<3) func twoIngestsOfOneFileAtOnceStoreEachLineOnce(round: Int) throws {
        let directory = try TemporaryDirectory()
        let content = ParallelDecodeTests.content()
        let path = directory.path("a.jsonl")
        try content.write(to: URL(fileURLWithPath: path))
        let database = directory.path("flows.db")
        let expected = try ParallelDecodeTests().baseline("b.jsonl", content, in: directory).stored
        var chosen = options(ParallelDecodeTests.Split(workers: 3, chunkLines: 7, chunkBytes: 1 << 18))
        chosen.batchSize = 20 + round * 7
        let options = chosen
        let lines = Mutex<[Int64]>([])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            do {
                let store = try SQLiteFlowStore(path: database)
                let summary = try Ingestor(store: store, options: options, diagnostics: { _ in }).run([.file(path)])
                lines.withLock { $0.append(summary.lines) }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
        #expect(try NumberedLines.stored(database) == expected, "each flow stored once")
        #expect(lines.withLock { $0.reduce(0, +) } >= 3000, "every line read by one of them at least")
    }
}

/// The decode pool gives chunks back in the order they were submitted, whichever worker decoded
/// them, and never holds more than its capacity.
@Suite struct DecodePoolTests {
    @Test(arguments: [1, 2, 3, 8]) func resultsComeBackInSubmissionOrder(workers: Int) throws {
        let pool = DecodePool(workers: workers, maxLineBytes: 4096)
        #expect(pool.start())
        defer { pool.stop() }
        #expect(pool.capacity == (workers == 1 ? 1 : 2 * workers))
        var taken: [Int64] = []
        var mostInFlight = 0
        for n in 0..<200 {
            var chunk = LineChunk(targetBytes: 1 << 16, targetLines: 64)
            // Chunks of different sizes, so workers finish out of order.
            for k in 0..<(n % 5 == 0 ? 40 : 1) {
                let line = NumberedLines.line(n * 100 + k)
                var text = line
                text.withUTF8 { chunk.append(UnsafeRawBufferPointer($0), number: Int64(n * 100 + k), endOffset: 0, endLine: 0) }
            }
            while !pool.hasRoom { taken += try #require(pool.next()).map(\.number) }
            pool.submit(chunk)
            mostInFlight = max(mostInFlight, pool.inFlight)
        }
        while pool.inFlight > 0 { taken += try #require(pool.next()).map(\.number) }
        let expected = (0..<200).flatMap { n in (0..<(n % 5 == 0 ? 40 : 1)).map { Int64(n * 100 + $0) } }
        #expect(taken == expected)
        #expect(mostInFlight == pool.capacity)
    }

    @Test func discardingWaitsForEveryChunkInFlight() throws {
        let pool = DecodePool(workers: 3, maxLineBytes: 4096)
        #expect(pool.start())
        defer { pool.stop() }
        for n in 0..<pool.capacity {
            var chunk = LineChunk(targetBytes: 1 << 16, targetLines: 64)
            var text = NumberedLines.line(n)
            text.withUTF8 { chunk.append(UnsafeRawBufferPointer($0), number: Int64(n), endOffset: 0, endLine: 0) }
            pool.submit(chunk)
        }
        pool.discardAll()
        #expect(pool.inFlight == 0)
        var chunk = LineChunk(targetBytes: 1 << 16, targetLines: 64)
        var text = NumberedLines.line(99)
        text.withUTF8 { chunk.append(UnsafeRawBufferPointer($0), number: 99, endOffset: 0, endLine: 0) }
        pool.submit(chunk)
        #expect(try #require(pool.next()).map(\.number) == [99], "the next result is the next chunk's")
    }
}

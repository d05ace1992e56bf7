import Testing
@testable import FlowlogStore
@testable import FlowlogIngest
import FlowlogTestSupport

/// Full batches go to the store marked partial (a store may gather them into larger writes);
/// the end of an input always hands over a batch that is not, even an empty one, so whatever a
/// store held is written before ingest says the input is done.
@Suite struct PartialBatchTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var lines: Int
        /// ``IngestBatch/isPartial`` of each batch the store is handed, in batches of 10.
        var partialFlags: [Bool]
        var testDescription: String { "\(lines) lines" }
    }

    static let cases = [
        // Three full batches, the last one ending the file exactly: an empty batch commits.
        Case(lines: 30, partialFlags: [true, true, true, false]),
        // The input ends mid-batch: its last lines commit.
        Case(lines: 25, partialFlags: [true, true, false]),
    ]

    @Test(arguments: cases) func fullBatchesArePartialAndTheEndOfAnInputCommits(_ testCase: Case) throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("flows.db")
        let file = try directory.write("a.jsonl", NumberedLines.text(0..<testCase.lines))
        let store = try FailingStore(path: database, failAt: Int.max)
        var options = IngestOptions()
        options.batchSize = 10
        let summary = try Ingestor(store: store, options: options, diagnostics: { _ in }).run([.file(file)])
        #expect(summary.ingested == testCase.lines)
        #expect(store.partialFlags == testCase.partialFlags)
        #expect(try NumberedLines.stored(database) == Array(0..<testCase.lines))
    }
}

import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
import FlowlogTestSupport

/// `ingest --follow` while the writer rotates ten times a second, Hubble-exporter style (backups
/// named by time, every other one gzipped, at most five kept): every line is stored once.
@Suite struct FollowRotationTests {
    @Test func tenRotationsPerSecondLoseAndRepeatNothing() throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("flows.db")
        let live = directory.path("events.log")
        try directory.write("events.log", NumberedLines.text(0..<5))
        let store = try SQLiteFlowStore(path: database)
        let options = {
            var options = IngestOptions()
            options.follow = true
            options.pollInterval = 0.05
            return options
        }()
        let stop = StopFlag()
        let outcome = ResultBox()
        let finished = DispatchSemaphore(value: 0)
        let follower = Thread {
            let ingestor = Ingestor(store: store, options: options, diagnostics: { _ in },
                                    shouldStop: { stop.isSet })
            outcome.set(Result { try ingestor.run([.file(live)]).ingested })
            finished.signal()
        }
        follower.start()

        var next = 5
        var backups: [String] = []
        for rotation in 0..<20 {
            for _ in 0..<4 {
                try directory.append("events.log", NumberedLines.text(next..<next + 5))
                next += 5
                Thread.sleep(forTimeInterval: 0.02)
            }
            var backup = directory.path(String(format: "events-2026-11-29T20-00-%02d.000.log", rotation))
            try FileManager.default.moveItem(atPath: live, toPath: backup)
            try directory.write("events.log", "")
            if rotation % 2 == 1 {
                try NumberedLines.gzip(backup)
                backup += ".gz"
            }
            backups.append(backup)
            if backups.count > 5 { try FileManager.default.removeItem(atPath: backups.removeFirst()) }
        }
        try directory.append("events.log", NumberedLines.text(next..<next + 5))
        next += 5
        Thread.sleep(forTimeInterval: 1.0)
        stop.set()
        #expect(finished.wait(timeout: .now() + 20) == .success)
        _ = try outcome.get()
        #expect(try NumberedLines.stored(database) == Array(0..<next))
    }
}


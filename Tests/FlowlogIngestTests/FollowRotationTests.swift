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
        let follower = try BackgroundFollow(database: database, live: live, pollInterval: 0.05)

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
        #expect(try follower.stop(), "the follower stopped within 20 s")
        #expect(try NumberedLines.stored(database) == Array(0..<next))
    }
}


/// A rotated backup whose inode number belonged to a file this run already read (and that was
/// deleted since: an old backup dropped, a backup gzipped) is a new file and is read.
@Suite struct FollowInodeReuseTests {
    @Test func aBackupOnAReusedInodeIsStillRead() throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("flows.db")
        let live = directory.path("events.log")
        try directory.write("events.log", NumberedLines.text(0..<5))
        let follower = try BackgroundFollow(database: database, live: live, pollInterval: 0.5)
        func rotate(_ name: String) throws {
            try FileManager.default.moveItem(atPath: live, toPath: directory.path(name))
        }
        try waitUntil { try storedFlows(database).count == 5 }
        try rotate("events-2026-11-29T20-00-00.000.log")
        try directory.write("events.log", NumberedLines.text(5..<10))
        try waitUntil { try storedFlows(database).count == 10 }
        try rotate("events-2026-11-29T20-00-01.000.log")
        try directory.write("events.log", "")
        // The second file: read, rotated away, drained, then deleted (the writer keeps few
        // backups), so its inode number is free for the next file.
        let old = directory.path("events-2026-11-29T20-00-01.000.log")
        let freed = try #require(try FileManager.default.attributesOfItem(atPath: old)[.systemFileNumber] as? UInt64)
        Thread.sleep(forTimeInterval: 3)
        try FileManager.default.removeItem(atPath: old)
        var recycled: String?
        var made: [String] = []
        for index in 0..<5000 {
            let path = directory.path("tmp\(index)")
            try #require(FileManager.default.createFile(atPath: path, contents: nil))
            if try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? UInt64 == freed {
                recycled = path
                break
            }
            made.append(path)
        }
        for path in made { try FileManager.default.removeItem(atPath: path) }
        // The file system may not hand the number out again; then there is nothing to test.
        guard let recycled else {
            print("FollowInodeReuseTests: the file system did not reuse inode \(freed); nothing to test here")
            _ = try follower.stop()
            return
        }
        // Two rotations between two looks (renames only, microseconds apart), the second
        // backup on the reused inode.
        try directory.append(String(recycled.split(separator: "/").last!), NumberedLines.text(20..<25))
        try directory.write("next.tmp", NumberedLines.text(25..<30))
        try directory.append("events.log", NumberedLines.text(10..<20))
        try rotate("events-2026-11-29T20-00-02.000.log")
        try FileManager.default.moveItem(atPath: recycled, toPath: live)
        try rotate("events-2026-11-29T20-00-03.000.log")
        try FileManager.default.moveItem(atPath: directory.path("next.tmp"), toPath: live)
        try waitUntil { try storedFlows(database).count >= 30 }
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try follower.stop(), "the follower stopped within 20 s")
        #expect(try NumberedLines.stored(database) == Array(0..<30))
    }
}

/// `ingest --follow` of one file into a database, on its own thread, until ``stop()``.
final class BackgroundFollow {
    private let stopFlag = StopFlag()
    private let outcome = ResultBox()
    private let finished = DispatchSemaphore(value: 0)

    init(database: String, live: String, pollInterval: Double) throws {
        let store = try SQLiteFlowStore(path: database)
        var options = IngestOptions()
        options.follow = true
        options.pollInterval = pollInterval
        let settings = options
        let (stopFlag, outcome, finished) = (stopFlag, outcome, finished)
        Thread {
            let ingestor = Ingestor(store: store, options: settings, diagnostics: { _ in }, shouldStop: { stopFlag.isSet })
            outcome.set(Result { try ingestor.run([.file(live)]).ingested })
            finished.signal()
        }.start()
    }

    /// Asks the follower to stop and waits up to 20 s.
    /// - Returns: whether it stopped in time.
    /// - Throws: what the ingest threw.
    func stop() throws -> Bool {
        stopFlag.set()
        guard finished.wait(timeout: .now() + 20) == .success else { return false }
        _ = try outcome.get()
        return true
    }
}

import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
import FlowlogTestSupport

/// Rotated backups written while flowlog was not running are found beside the live file and read
/// once, oldest first, however many rotations happened and whether or not they were gzipped.
@Suite struct RotationTests {
    let directory: TemporaryDirectory
    let database: String

    init() throws {
        directory = try TemporaryDirectory()
        database = directory.path("flows.db")
    }

    /// The reproduction from issue 14: the file rotated twice between two runs (7 of 9 were stored).
    @Test func twoRotationsBetweenRunsLoseNothing() throws {
        let live = directory.path("ev.log")
        try directory.write("ev.log", NumberedLines.text(1..<4))
        _ = try ingest([.file(live)], into: database)
        try directory.append("ev.log", NumberedLines.text(4..<6))
        try FileManager.default.moveItem(atPath: live, toPath: directory.path("ev.log.1"))
        try directory.write("ev.log", NumberedLines.text(6..<8))
        try FileManager.default.moveItem(atPath: live, toPath: directory.path("ev.log.2"))
        try directory.write("ev.log", NumberedLines.text(8..<10))
        let second = try ingest([.file(live)], into: database)
        #expect(second.summary.ingested == 6)
        #expect(try NumberedLines.stored(database) == Array(1..<10))
        #expect(try ingest([.file(live)], into: database).summary.ingested == 0)
    }

    /// Ten rotations with Hubble exporter names while stopped, every other backup gzipped after
    /// rotation (a new inode: recognised by its first bytes), one gzipped after being read in part.
    @Test func tenExporterRotationsWhileStoppedAreEachReadOnce() throws {
        let live = directory.path("events.log")
        // A backup from before flowlog was first run: its lines predate this database's history.
        let old = try directory.write("events-2026-11-01T00-00-00.000.log", NumberedLines.text(50_000..<50_003))
        try NumberedLines.setModified(old, secondsAgo: 3600)
        try directory.write("events.log", NumberedLines.text(0..<10))
        _ = try ingest([.file(live)], into: database)
        var next = 10
        for rotation in 0..<10 {
            try directory.append("events.log", NumberedLines.text(next..<next + 7))
            next += 7
            let backup = directory.path("events-2026-11-29T20-00-\(String(format: "%02d", rotation)).000.log")
            try FileManager.default.moveItem(atPath: live, toPath: backup)
            if rotation % 2 == 0 { try NumberedLines.gzip(backup) }
            try directory.write("events.log", "")
        }
        try directory.append("events.log", NumberedLines.text(next..<next + 3))
        next += 3
        let second = try ingest([.file(live)], into: database)
        #expect(second.diagnostics.filter { $0.severity == .warning || $0.severity == .error }.isEmpty, "\(second.diagnostics)")
        #expect(try NumberedLines.stored(database) == Array(0..<next))
        let third = try ingest([.file(live)], into: database)
        #expect(third.summary.ingested == 0)
        #expect(third.summary.lines == 0, "backups read to their end are not read again")
    }

    /// logrotate's copytruncate: the content is copied to NAME.1 (a new inode) and the live file
    /// emptied in place; the copy continues where the live file was read to.
    @Test func copyTruncateContinuesInTheCopy() throws {
        let live = try directory.write("app.log", NumberedLines.text(0..<4))
        _ = try ingest([.file(live)], into: database)
        try directory.append("app.log", NumberedLines.text(4..<6))
        try FileManager.default.copyItem(atPath: live, toPath: directory.path("app.log.1"))
        let handle = try #require(FileHandle(forWritingAtPath: live))
        try handle.truncate(atOffset: 0)
        try handle.close()
        try directory.append("app.log", NumberedLines.text(6..<8))
        _ = try ingest([.file(live)], into: database)
        #expect(try NumberedLines.stored(database) == Array(0..<8))
    }

    @Test func backupNamesOfBothSchemesAreRecognised() {
        let cases: [(String, String, Bool)] = [
            ("events-2026-11-29T20-00-00.000.log", "events.log", true),
            ("events-2026-11-29T20-00-00.000.log.gz", "events.log", true),
            ("events.log.1", "events.log", true),
            ("events.log.12.gz", "events.log", true),
            ("events.log-20261129", "events.log", true),
            ("events-backup.log", "events.log", false),
            ("events.log.old", "events.log", false),
            ("other-2026-11-29T20-00-00.000.log", "events.log", false),
            ("events-2026.json", "events.log", false),
            ("flows-2026-11-29T20-00-00.000", "flows", true),
        ]
        for (name, live, expected) in cases {
            #expect(RotatedBackups.isBackupName(name, of: live) == expected, "\(name) of \(live)")
        }
    }

    @Test func aGzippedFileIsReadOnceWhateverItsName() throws {
        let plain = try directory.write("flows.jsonl", NumberedLines.text(0..<20))
        try NumberedLines.gzip(plain)
        try FileManager.default.moveItem(atPath: plain + ".gz", toPath: plain + ".gz.data")
        let result = try ingest([.file(plain + ".gz.data")], into: database)
        #expect(result.summary.ingested == 20)
        #expect(result.summary.skipped == 0)
        #expect(try ingest([.file(plain + ".gz.data")], into: database).summary.ingested == 0)
    }

    @Test func aTruncatedGzipKeepsTheLinesBeforeTheDamage() throws {
        let plain = try directory.write("flows.jsonl", NumberedLines.text(0..<200))
        try NumberedLines.gzip(plain)
        let data = try Data(contentsOf: URL(fileURLWithPath: plain + ".gz"))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: directory.path("half.gz")))
        let result = try ingest([.file(directory.path("half.gz"))], into: database)
        #expect(result.summary.failedInputs == 1)
        #expect(result.diagnostics.contains { $0.severity == .error && $0.message.contains("ends early") })
        let stored = try NumberedLines.stored(database)
        #expect(stored.count > 10 && stored == Array(0..<stored.count))
    }

    @Test func aMissingFileDoesNotStopTheOthers() throws {
        let a = try directory.write("a.jsonl", NumberedLines.text(0..<3))
        let b = try directory.write("b.jsonl", NumberedLines.text(3..<5))
        let result = try ingest([.file(a), .file(directory.path("missing.jsonl")), .file(b)], into: database)
        #expect(result.summary.failedInputs == 1)
        #expect(result.diagnostics.contains { $0.severity == .error && $0.input.hasSuffix("missing.jsonl") })
        #expect(try NumberedLines.stored(database) == Array(0..<5))
    }

    @Test func theSameFileThroughAHardLinkOrSymlinkIsOneInput() throws {
        let file = try directory.write("a.jsonl", NumberedLines.text(0..<5))
        try FileManager.default.linkItem(atPath: file, toPath: directory.path("hard.jsonl"))
        try FileManager.default.createSymbolicLink(atPath: directory.path("soft.jsonl"), withDestinationPath: file)
        _ = try ingest([.file(file)], into: database)
        try directory.append("a.jsonl", NumberedLines.text(5..<7))
        #expect(try ingest([.file(directory.path("hard.jsonl"))], into: database).summary.ingested == 2)
        #expect(try ingest([.file(directory.path("soft.jsonl")), .file(file)], into: database).summary.ingested == 0)
        #expect(try NumberedLines.stored(database) == Array(0..<7))
    }

    /// An unterminated line over the limit at the end of a file is not half-consumed: when its end
    /// arrives it is one skipped line, not a bogus malformed one, and its bytes are counted.
    @Test func anOversizedUnterminatedTailDoesNotResurface() throws {
        let file = try directory.write("a.jsonl", NumberedLines.text(0..<2) + String(repeating: "x", count: 1_500_000))
        let first = try ingest([.file(file)], into: database)
        #expect(first.summary.ingested == 2)
        try directory.append("a.jsonl", String(repeating: "y", count: 10) + "\n" + NumberedLines.text(2..<3))
        let second = try ingest([.file(file)], into: database)
        #expect(second.summary.ingested == 1)
        #expect(second.diagnostics.filter { $0.severity == .warning }.map(\.line) == [3])
        #expect(second.diagnostics.allSatisfy { !$0.message.contains("expected") }, "\(second.diagnostics)")
        #expect(second.summary.bytesRead > 1_500_000)
    }
}

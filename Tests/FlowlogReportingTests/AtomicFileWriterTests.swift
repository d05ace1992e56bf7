import Foundation
import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
@testable import FlowlogPolicy
@testable import FlowlogEvaluation
@testable import FlowlogReporting
import FlowlogTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `--out` writes: a special file is written in place (never replaced), an existing regular file
/// keeps its mode, a new file is 0600 unless a mode is given.
@Suite struct AtomicFileWriterTests {
    static func status(_ path: String) throws -> stat {
        var status = stat()
        try #require(lstat(path, &status) == 0, "lstat \(path)")
        return status
    }

    static func kind(_ path: String) throws -> mode_t { try status(path).st_mode & S_IFMT }
    static func permissions(_ path: String) throws -> mode_t { try status(path).st_mode & 0o7777 }

    @Test func aFIFOIsWrittenInPlaceForItsReader() async throws {
        let directory = try TemporaryDirectory()
        let fifo = directory.path("report.fifo")
        try #require(mkfifo(fifo, 0o600) == 0)
        let text = String(repeating: "report line\n", count: 20_000)  // more than a pipe buffer holds
        // The reader opens the FIFO on another thread; opening for writing waits for it. It reads
        // to end of file with plain read(2), so it never stops early (the writer would get SIGPIPE).
        let reader = Task.detached { () -> [UInt8] in
            let descriptor = open(fifo, O_RDONLY)
            guard descriptor >= 0 else { return [] }
            defer { close(descriptor) }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                bytes += buffer[0..<count]
            }
            return bytes
        }
        try AtomicFileWriter.write(text, to: fifo)
        let received = await reader.value
        #expect(String(decoding: received, as: UTF8.self) == text)
        #expect(try Self.kind(fifo) == S_IFIFO, "still a FIFO")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.url.path)
        #expect(leftovers == ["report.fifo"], "no temporary file was made")
    }

    @Test func devNullStaysACharacterDevice() throws {
        try AtomicFileWriter.write("discarded\n", to: "/dev/null")
        #expect(try Self.kind("/dev/null") == S_IFCHR)
        try AtomicFileWriter.write("discarded\n", to: "/dev/null", mode: 0o644)
        #expect(try Self.kind("/dev/null") == S_IFCHR)
    }

    @Test(arguments: [0o600, 0o640, 0o604] as [mode_t])
    func anExistingFileKeepsItsMode(_ mode: mode_t) throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write("report.md", "old\n")
        try #require(chmod(file, mode) == 0)
        try AtomicFileWriter.write("new\n", to: file)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "new\n")
        #expect(try Self.permissions(file) == mode)
        #expect(try Self.status(file).st_uid == getuid())
    }

    @Test func aNewFileIsOwnerOnly() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path("report.md")
        try AtomicFileWriter.write("new\n", to: file)
        #expect(try Self.permissions(file) == 0o600)
        #expect(try Self.kind(file) == S_IFREG)
    }

    @Test func aGivenModeIsSetExactly() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path("report.html")
        try AtomicFileWriter.write("<p>new</p>\n", to: file, mode: 0o644)
        #expect(try Self.permissions(file) == 0o644)
        let existing = try directory.write("old.html", "old\n")
        try #require(chmod(existing, 0o600) == 0)
        try AtomicFileWriter.write("new\n", to: existing, mode: 0o644)
        #expect(try Self.permissions(existing) == 0o644)
    }

    @Test func aSymlinkIsReplacedNotFollowed() throws {
        let directory = try TemporaryDirectory()
        let victim = try directory.write("victim", "keep\n")
        let link = directory.path("report.md")
        try #require(symlink(victim, link) == 0)
        try AtomicFileWriter.write("new\n", to: link)
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep\n")
        #expect(try Self.kind(link) == S_IFREG)
        #expect(try Self.permissions(link) == 0o600)
    }

    @Test func aDirectoryIsRefused() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: AtomicFileWriter.Failure(path: directory.url.path, message: "is a directory")) {
            try AtomicFileWriter.write("x", to: directory.url.path)
        }
    }

    struct ModeCase: Sendable, CustomTestStringConvertible {
        var text: String
        var expected: mode_t?
        var testDescription: String { text.debugDescription }
    }

    @Test(arguments: [
        ModeCase(text: "0644", expected: 0o644), ModeCase(text: "644", expected: 0o644), ModeCase(text: "0o600", expected: 0o600),
        ModeCase(text: "0000", expected: 0), ModeCase(text: "600", expected: 0o600), ModeCase(text: "7", expected: 0o7),
        ModeCase(text: "0888", expected: nil), ModeCase(text: "4755", expected: nil), ModeCase(text: "", expected: nil),
        ModeCase(text: "-644", expected: nil), ModeCase(text: "rw-r--r--", expected: nil), ModeCase(text: "06444", expected: nil),
    ])
    func readsOctalModes(_ testCase: ModeCase) {
        #expect(AtomicFileWriter.mode(octal: testCase.text) == testCase.expected)
    }
}

extension AtomicFileWriter.Failure: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.path == rhs.path && lhs.message == rhs.message }
}

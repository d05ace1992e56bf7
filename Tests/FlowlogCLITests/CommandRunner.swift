import Foundation
import Testing

/// What one run of the `flowlog` binary did.
struct CommandResult {
    var status: Int32
    var standardOutput: String
    /// Standard error without the time flowlog puts before each line when standard error is not a
    /// terminal (as here: a pipe); a line without that prefix is kept as it is, so an exact
    /// comparison fails on it.
    var standardError: String
    /// Standard error as written, time prefixes included.
    var rawStandardError: String = ""

    init(status: Int32, standardOutput: String, standardError: String) {
        self.status = status
        self.standardOutput = standardOutput
        self.rawStandardError = standardError
        self.standardError = Self.withoutTimes(standardError)
    }

    /// `text` with the `YYYY-MM-DDTHH:MM:SSZ ` prefix removed from each line that has it.
    static func withoutTimes(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.prefixMatch(of: logTime).map { line.dropFirst($0.output.count) } ?? line
        }.joined(separator: "\n")
    }

    /// The time prefix of a log line: RFC 3339 UTC to the second, and a space.
    nonisolated(unsafe) static let logTime = #/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z /#
}

/// Runs the built `flowlog` binary, as a user would.
enum Flowlog {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The binary next to the test bundle in the build products directory (or `$FLOWLOG_BINARY`).
    static let binary: URL = {
        if let override = ProcessInfo.processInfo.environment["FLOWLOG_BINARY"] { return URL(fileURLWithPath: override) }
        let products = Bundle.main.bundleURL.pathExtension == "xctest"
            ? Bundle.main.bundleURL.deletingLastPathComponent() : Bundle.main.bundleURL
        let candidates = [products, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                          packageRoot.appendingPathComponent(".build/debug")]
        return candidates.map { $0.appendingPathComponent("flowlog") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0].appendingPathComponent("flowlog")
    }()

    static var sampleFlows: String { packageRoot.appendingPathComponent("SampleFlows/flows/production.jsonl").path }

    /// `flowlog ingest --db database SampleFlows/flows/production.jsonl`, which must succeed.
    static func ingestSample(into database: String) throws {
        let result = try run(["ingest", "--db", database, sampleFlows])
        try #require(result.status == 0, "ingest into \(database): \(result.standardError)")
    }

    /// `flowlog evaluate policyArguments… SampleFlows/flows/production.jsonl`: the verdict of
    /// each line, by line number.
    static func sampleVerdicts(_ policyArguments: [String]) throws -> [Int: String] {
        let result = try run(["evaluate"] + policyArguments + [sampleFlows])
        #expect(result.status == 0, "\(result.standardError)")
        var verdicts: [Int: String] = [:]
        for line in result.standardOutput.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            verdicts[try #require(object["line"] as? Int)] = try #require(object["verdict"] as? String)
        }
        return verdicts
    }

    /// Runs `flowlog arguments…` with `input` on standard input and the given environment additions.
    /// - Parameter standardErrorFile: a path standard error is redirected to (a regular file, as a
    ///   crontab line's `2>>file` makes it) and read back from after the run; nil: a pipe.
    static func run(_ arguments: [String], input: Data? = nil, environment: [String: String] = [:],
                    standardErrorFile: String? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = packageRoot
        var merged = ProcessInfo.processInfo.environment
        merged["FLOWLOG_DB"] = nil
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        let output = Pipe()
        let error = Pipe()
        let standardInput = Pipe()
        process.standardOutput = output
        var errorFile: FileHandle?
        if let standardErrorFile {
            guard FileManager.default.createFile(atPath: standardErrorFile, contents: nil) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: standardErrorFile])
            }
            errorFile = try FileHandle(forWritingTo: URL(fileURLWithPath: standardErrorFile))
            process.standardError = errorFile
            try error.fileHandleForWriting.close()
        } else {
            process.standardError = error
        }
        process.standardInput = standardInput
        try process.run()
        // Read both pipes while the process runs, so a large output cannot block it.
        let group = DispatchGroup()
        nonisolated(unsafe) var outputData = Data()
        nonisolated(unsafe) var errorData = Data()
        DispatchQueue.global().async(group: group) { outputData = output.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { errorData = error.fileHandleForReading.readDataToEndOfFile() }
        if let input { standardInput.fileHandleForWriting.write(input) }
        try standardInput.fileHandleForWriting.close()
        process.waitUntilExit()
        group.wait()
        if let errorFile, let standardErrorFile {
            try errorFile.close()
            errorData = try Data(contentsOf: URL(fileURLWithPath: standardErrorFile))
        }
        return CommandResult(status: process.terminationStatus,
                             standardOutput: String(decoding: outputData, as: UTF8.self),
                             standardError: String(decoding: errorData, as: UTF8.self))
    }

    /// Compares `actual` with the golden file `SampleFlows/expected/<name>`; with
    /// `FLOWLOG_UPDATE_GOLDEN=1` rewrites the file instead.
    static func expectGolden(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = packageRoot.appendingPathComponent("SampleFlows/expected/\(name)")
        if ProcessInfo.processInfo.environment["FLOWLOG_UPDATE_GOLDEN"] == "1" {
            try Data(actual.utf8).write(to: url)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(actual == expected, "output differs from \(name); rerun with FLOWLOG_UPDATE_GOLDEN=1 and review the diff",
                sourceLocation: sourceLocation)
    }
}

/// A temporary directory for one test's databases and files.
final class Scratch: @unchecked Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("flowlog-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

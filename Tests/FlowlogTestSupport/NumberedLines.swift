import Foundation
import FlowlogModel

/// Uuid-less flow lines told apart by their time (second `n` of one day), so only input positions
/// can keep each stored once: de-duplication by uuid cannot hide a double count.
package enum NumberedLines {
    package static func line(_ n: Int) -> String {
        FlowLines.flow(uuid: nil, time: String(format: "2026-11-20T%02d:%02d:%02dZ", n / 3600, n / 60 % 60, n % 60))
    }

    package static func text(_ range: Range<Int>) -> String {
        range.map { line($0) + "\n" }.joined()
    }

    /// The numbers of the stored flows, sorted (with repeats, if any flow was stored twice).
    package static func stored(_ database: String) throws -> [Int] {
        try storedFlows(database).map { Int(($0.time.rawValue / 1_000_000_000) % 86_400) }.sorted()
    }

    /// Compresses `path` in place with gzip(1) (it becomes `path.gz`; the original is removed).
    package static func gzip(_ path: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
        process.arguments = ["-f", path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    package static func setModified(_ path: String, secondsAgo: Double) throws {
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -secondsAgo)], ofItemAtPath: path)
    }
}

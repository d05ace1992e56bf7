import Foundation
import Synchronization
import Testing

/// Polls `condition` every 20 ms for up to ten seconds; records an issue if it never holds.
package func waitUntil(sourceLocation: SourceLocation = #_sourceLocation, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(10)
    while Date() < deadline {
        if try condition() { return }
        Thread.sleep(forTimeInterval: 0.02)
    }
    Issue.record("condition not met within 10 s", sourceLocation: sourceLocation)
}

/// A flag one thread sets and another polls (a `--follow` ingest's `shouldStop`).
package final class StopFlag: Sendable {
    private let value = Mutex(false)

    package init() {}

    package var isSet: Bool { value.withLock { $0 } }
    package func set() { value.withLock { $0 = true } }
}

/// The outcome of work on another thread (a count, or the error it threw).
package final class ResultBox: Sendable {
    private let result = Mutex<Result<Int, any Error>?>(nil)

    package init() {}

    package func set(_ value: Result<Int, any Error>) { result.withLock { $0 = value } }
    /// The count, nil while the work has not finished; rethrows the work's error.
    package func get() throws -> Int? { try result.withLock { $0 }?.get() }
}

import Foundation
import Testing
import FlowlogStore
@testable import FlowlogClickHouse

/// The ClickHouse server the tests use: `FLOWLOG_TEST_CLICKHOUSE=http://127.0.0.1:PORT` (started
/// by `bash .ci/clickhouse.sh start`). Without it the server tests are skipped, with a note.
enum TestServer {
    static let url = ProcessInfo.processInfo.environment["FLOWLOG_TEST_CLICKHOUSE"].flatMap { $0.isEmpty ? nil : $0 }
    static var isAvailable: Bool { url != nil }
    static let skipNote: Comment = "FLOWLOG_TEST_CLICKHOUSE is unset; run `eval \"$(bash .ci/clickhouse.sh start)\"` to test against ClickHouse"

    /// `host:port` of the server.
    static var hostAndPort: String {
        guard let url else { return "127.0.0.1:8123" }
        var text = Substring(url)
        if let scheme = text.range(of: "://") { text = text[scheme.upperBound...] }
        return String(text.prefix { $0 != "/" })
    }

    /// A database of its own for one test (dropped by ``drop(_:)``).
    static func freshDatabase() -> String {
        "flowlog_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
    }

    static func location(_ database: String) throws -> ClickHouseLocation {
        try ClickHouseLocation(parsing: "clickhouse://\(hostAndPort)/\(database)")
    }

    static func store(_ database: String) throws -> ClickHouseFlowStore {
        try ClickHouseFlowStore(location: location(database))
    }

    static func drop(_ database: String) {
        guard let store = try? store(database) else { return }
        _ = try? store.execute("DROP DATABASE IF EXISTS \(database)")
    }
}

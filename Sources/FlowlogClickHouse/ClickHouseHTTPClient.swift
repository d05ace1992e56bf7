import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import FlowlogStore

/// One ClickHouse server's HTTP interface, used synchronously: a POST per statement, with a
/// request timeout, and every failure turned into a ``StoreError`` that names the server and
/// carries ClickHouse's error code and message.
///
/// URLSession (FoundationNetworking) is asynchronous; each call waits for its completion on a
/// semaphore, which is what the synchronous ``FlowStore`` protocol needs.
final class ClickHouseHTTPClient: Sendable {
    /// `host:port`, as printed in errors.
    let server: String
    /// What errors name as their "path": the store's URL (or a shard's).
    let label: String
    let host: String
    let port: Int
    private let baseURL: String
    private let authorization: String?
    private let timeout: Double
    private let session: URLSession

    init(host: String, port: Int, user: String?, password: String?, timeout: Double, label: String) {
        server = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        self.host = host
        self.port = port
        self.label = label
        baseURL = "http://\(server)/"
        if user != nil || password != nil {
            let credentials = "\(user ?? "default"):\(password ?? "")"
            authorization = "Basic " + Data(credentials.utf8).base64EncodedString()
        } else {
            authorization = nil
        }
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout + 5
        configuration.httpMaximumConnectionsPerHost = 4
        session = URLSession(configuration: configuration)
    }

    deinit { session.finishTasksAndInvalidate() }

    /// Settings sent with every statement. `wait_end_of_query` makes the server hold the answer
    /// until the query has finished, so an error is an HTTP error status, never text appended
    /// to rows already sent (and the request timeout bounds the whole query). The socket
    /// timeouts bound connecting to and talking with a shard where the server honours them
    /// (18.16 waits on a stopped shard regardless; see `namingUnresponsiveShards`).
    private var settings: [(String, String)] {
        let shardTimeout = String(max(1, Int(timeout * 0.6)))
        return [("wait_end_of_query", "1"), ("max_query_size", "67108864"),
                ("connect_timeout", "2"), ("receive_timeout", shardTimeout), ("send_timeout", shardTimeout)]
    }

    /// Runs `sql`; with `data`, `sql` is an `INSERT … FORMAT …` and `data` its rows. `extra`
    /// settings go in the URL (18.16 takes no `SETTINGS` clause on an INSERT).
    /// - Returns: the response body (rows in the format the statement asked for).
    /// - Throws: ``StoreError``: `.cannotOpen` when the server cannot be reached, `.failed` with
    ///   backend ("ClickHouse", code) when it answered with an error or did not answer in time.
    @discardableResult
    /// With `externalTable`, the rows (TabSeparated) are sent as a temporary table of that name
    /// and structure that `sql` can read (ClickHouse's "external data" over HTTP, a multipart body).
    func execute(_ sql: String, data: [UInt8]? = nil, settings extra: [(String, String)] = [],
                 externalTable: (name: String, structure: String, rows: [UInt8])? = nil) throws(StoreError) -> [UInt8] {
        var query = settings + extra
        if data != nil || externalTable != nil { query.append(("query", sql)) }
        if let externalTable {
            query.append(("\(externalTable.name)_structure", externalTable.structure))
            query.append(("\(externalTable.name)_format", "TabSeparated"))
        }
        let text = query.map { "\($0.0)=\(Self.percentEncoded($0.1))" }.joined(separator: "&")
        guard let url = URL(string: baseURL + "?" + text) else {
            throw StoreError(kind: .failed, message: "cannot form a request URL for \(server)", path: label)
        }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        if let externalTable {
            // The rows are numbers and escaped fields: they never hold the boundary's dashes and letters.
            let boundary = "flowlog-external-data-7f3a9c1e"
            var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(externalTable.name)\"; filename=\"\(externalTable.name)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
            body.append(contentsOf: externalTable.rows)
            body.append(Data("\r\n--\(boundary)--\r\n".utf8))
            request.httpBody = body
            request.setValue("multipart/form-data; boundary=\(boundary)", forHTTPHeaderField: "Content-Type")
        } else {
            request.httpBody = data.map { Data($0) } ?? Data(sql.utf8)
        }
        if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { body, response, error in
            outcome.set(body: body, status: (response as? HTTPURLResponse)?.statusCode, error: error)
            done.signal()
        }
        task.resume()
        // URLSession enforces the timeout; this bound only guards against a lost completion.
        if done.wait(timeout: .now() + timeout + 10) == .timedOut {
            task.cancel()
            throw StoreError(kind: .failed, message: "ClickHouse at \(server) did not answer within \(Int(timeout)) s",
                             sql: Self.clipped(sql), path: label, backend: ("ClickHouse", 159))
        }
        let (body, status, error) = outcome.get()
        if let error { throw transportError(error, sql: sql) }
        let bytes = body.map { [UInt8]($0) } ?? []
        guard let status, status == 200 else {
            throw Self.serverError(bytes, status: status, server: server, sql: sql, label: label)
        }
        return bytes
    }

    private func transportError(_ error: any Error, sql: String) -> StoreError {
        let code = (error as? URLError)?.code
        switch code {
        case .timedOut?:
            // ClickHouse's TIMEOUT_EXCEEDED, so callers see one code for "too slow" however it arose.
            return StoreError(kind: .failed, message: "ClickHouse at \(server) did not answer within \(Int(timeout)) s",
                              sql: Self.clipped(sql), path: label, backend: ("ClickHouse", 159))
        case .cannotConnectToHost?, .cannotFindHost?, .dnsLookupFailed?, .notConnectedToInternet?:
            return StoreError(kind: .cannotOpen, message: "cannot reach ClickHouse at \(server): \(error.localizedDescription)",
                              sql: Self.clipped(sql), path: label)
        default:
            return StoreError(kind: .cannotOpen, message: "lost the connection to ClickHouse at \(server): \(error.localizedDescription)",
                              sql: Self.clipped(sql), path: label)
        }
    }

    /// ClickHouse's error text, `Code: 60, e.displayText() = DB::Exception: …, e.what() = …`
    /// (18.x) or `Code: 60. DB::Exception: …. (UNKNOWN_TABLE) (version …)` (current releases),
    /// read into its code and message.
    static func serverError(_ body: [UInt8], status: Int?, server: String, sql: String, label: String) -> StoreError {
        let text = String(decoding: body.prefix(4096), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        var code: Int32 = 0
        var message = text
        if let range = text.range(of: "Code: ") {
            let digits = text[range.upperBound...].prefix { $0.isNumber }
            code = Int32(digits) ?? 0
        }
        if let range = message.range(of: "DB::Exception: ") { message = String(message[range.upperBound...]) }
        if let range = message.range(of: ", e.what() = ") { message = String(message[..<range.lowerBound]) }
        if let range = message.range(of: " (version ") { message = String(message[..<range.lowerBound]) }
        if message.isEmpty { message = "HTTP status \(status.map(String.init) ?? "none")" }
        return StoreError(kind: .failed, message: "ClickHouse at \(server): \(message)", sql: clipped(sql), path: label,
                          backend: ("ClickHouse", code))
    }

    /// The SQL kept in an error: its start (an IN list of thousands of keys helps nobody).
    static func clipped(_ sql: String) -> String {
        sql.utf8.count <= 2000 ? sql : String(decoding: sql.utf8.prefix(2000), as: UTF8.self) + "…"
    }

    /// RFC 3986 unreserved characters stay; everything else, `+` included (a form decoder reads
    /// it as a space), is percent-encoded.
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        let hex = Array("0123456789ABCDEF".unicodeScalars)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(UnicodeScalar(byte))
            default:
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return out
    }
}

/// The completion handler's results, handed to the waiting thread.
private final class Outcome: Sendable {
    private let state = Mutex<(body: Data?, status: Int?, error: (any Error)?)>((nil, nil, nil))

    func set(body: Data?, status: Int?, error: (any Error)?) {
        state.withLock { $0 = (body, status, error) }
    }

    func get() -> (Data?, Int?, (any Error)?) {
        state.withLock { ($0.body, $0.status, $0.error) }
    }
}

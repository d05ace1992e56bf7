import FlowlogStore

/// One ClickHouse server's HTTP interface, used synchronously: a POST per statement, with a
/// request timeout, and every failure turned into a ``StoreError`` that names the server and
/// carries ClickHouse's error code and message.
///
/// Each statement is one HTTP exchange on its own connection (``HTTPExchange``), synchronous as
/// the ``FlowStore`` protocol is.
final class ClickHouseHTTPClient: Sendable {
    /// `host:port`, as printed in errors.
    let server: String
    /// What errors name as their "path": the store's URL (or a shard's).
    let label: String
    let host: String
    let port: Int
    private let authorization: String?
    private let timeout: Double

    init(host: String, port: Int, user: String?, password: String?, timeout: Double, label: String) {
        server = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        self.host = host
        self.port = port
        self.label = label
        if user != nil || password != nil {
            let credentials = "\(user ?? "default"):\(password ?? "")"
            authorization = "Basic " + HTTPExchange.base64(Array(credentials.utf8))
        } else {
            authorization = nil
        }
        self.timeout = timeout
    }

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
        var body: [UInt8]
        var contentType: String?
        if let externalTable {
            // The rows are numbers and escaped fields: they never hold the boundary's dashes and letters.
            let boundary = "flowlog-external-data-7f3a9c1e"
            body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(externalTable.name)\"; filename=\"\(externalTable.name)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
            body.append(contentsOf: externalTable.rows)
            body.append(contentsOf: Array("\r\n--\(boundary)--\r\n".utf8))
            contentType = "multipart/form-data; boundary=\(boundary)"
        } else {
            body = data ?? Array(sql.utf8)
        }
        var head = "POST /?\(text) HTTP/1.1\r\nHost: \(server)\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        if let contentType { head += "Content-Type: \(contentType)\r\n" }
        if let authorization { head += "Authorization: \(authorization)\r\n" }
        head += "\r\n"
        let response: HTTPExchange.Response
        do {
            response = try HTTPExchange.perform(host: host, port: port, head: Array(head.utf8), body: body, timeout: timeout)
        } catch {
            throw transportError(error, sql: sql)
        }
        guard response.status == 200 else {
            throw Self.serverError(response.body, status: response.status, server: server, sql: sql, label: label)
        }
        return response.body
    }

    private func transportError(_ error: HTTPExchange.Failure, sql: String) -> StoreError {
        switch error {
        case .timedOut:
            // ClickHouse's TIMEOUT_EXCEEDED, so callers see one code for "too slow" however it arose.
            return StoreError(kind: .failed, message: "ClickHouse at \(server) did not answer within \(Int(timeout)) s",
                              sql: Self.clipped(sql), path: label, backend: ("ClickHouse", 159))
        case .unreachable(let reason):
            return StoreError(kind: .cannotOpen, message: "cannot reach ClickHouse at \(server): \(reason)",
                              sql: Self.clipped(sql), path: label)
        case .broken(let reason):
            return StoreError(kind: .cannotOpen, message: "lost the connection to ClickHouse at \(server): \(reason)",
                              sql: Self.clipped(sql), path: label)
        }
    }

    /// ClickHouse's error text, `Code: 60, e.displayText() = DB::Exception: …, e.what() = …`
    /// (18.x) or `Code: 60. DB::Exception: …. (UNKNOWN_TABLE) (version …)` (current releases),
    /// read into its code and message.
    static func serverError(_ body: [UInt8], status: Int?, server: String, sql: String, label: String) -> StoreError {
        let text = String(String(decoding: body.prefix(4096), as: UTF8.self)
            .drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
        var code: Int32 = 0
        var message = text
        if let range = text.firstRange(of: "Code: ") {
            let digits = text[range.upperBound...].prefix { $0.isNumber }
            code = Int32(digits) ?? 0
        }
        if let range = message.firstRange(of: "DB::Exception: ") { message = String(message[range.upperBound...]) }
        if let range = message.firstRange(of: ", e.what() = ") { message = String(message[..<range.lowerBound]) }
        if let range = message.firstRange(of: " (version ") { message = String(message[..<range.lowerBound]) }
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

/// Where a ClickHouse store is: `clickhouse://HOST[:PORT]/DATABASE[?cluster=NAME&user=USER]`.
///
/// The port is the server's HTTP port (default 8123). The password is never in the URL (it would
/// show in `ps` and shell histories); it comes from `FLOWLOG_CLICKHOUSE_PASSWORD`.
public struct ClickHouseLocation: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var database: String
    /// The cluster (a `<remote_servers>` entry of the server) to spread flows over, if any.
    public var cluster: String?
    public var user: String?
    public var password: String?
    /// Seconds a request may take before it fails (`timeout=`; default 30).
    public var timeout: Double = 30
    /// Seconds a failing batch write is retried, with backoff, before the ingest gives up
    /// (`write_retry=`; default 300), so an `ingest --follow` rides out a server restart.
    public var writeRetry: Double = 300
    /// The HTTP address of every server of the cluster (`shards=HOST:PORT,HOST:PORT`), in the
    /// order of `system.clusters` (by shard, then replica); nil: each server's host from
    /// `system.clusters` with this URL's port. `system.clusters` lists TCP ports only, and
    /// nothing says which HTTP port goes with one, so they are given, not guessed.
    public var shardAddresses: [ShardAddress]?
    /// Fault injection for the crash tests (`test_kill_before_checkpoint=N`): the process kills
    /// itself with SIGKILL after writing the rows of its `N`th batch and before writing that
    /// batch's checkpoint. A store option rather than an environment variable, so nothing but a
    /// URL that asks for it can trigger it.
    public var killBeforeCheckpoint: Int?

    public init(host: String, port: Int = 8123, database: String, cluster: String? = nil, user: String? = nil,
                password: String? = nil) {
        self.host = host
        self.port = port
        self.database = database
        self.cluster = cluster
        self.user = user
        self.password = password
    }

    /// `clickhouse://host:port/database` (with the cluster), for messages; never the password.
    public var description: String {
        "clickhouse://\(hostAndPort)/\(database)" + (cluster.map { "?cluster=\($0)" } ?? "")
    }

    var hostAndPort: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Reads a `clickhouse://` URL.
    /// - Parameter password: the password to use (the CLI passes `$FLOWLOG_CLICKHOUSE_PASSWORD`).
    /// - Throws: ``ClickHouseLocationError`` naming what is wrong.
    public init(parsing text: String, password: String? = nil) throws(ClickHouseLocationError) {
        let scheme = "clickhouse://"
        guard text.hasPrefix(scheme) else { throw ClickHouseLocationError("a ClickHouse URL starts with \(scheme)") }
        var rest = Substring(text.dropFirst(scheme.count))
        var queryText: Substring = ""
        if let question = rest.firstIndex(of: "?") {
            queryText = rest[rest.index(after: question)...]
            rest = rest[..<question]
        }
        guard let slash = rest.firstIndex(of: "/") else {
            throw ClickHouseLocationError("give the database: clickhouse://HOST[:PORT]/DATABASE")
        }
        let database = String(rest[rest.index(after: slash)...])
        let (host, port) = try Self.address(rest[..<slash], defaultPort: 8123)
        guard Self.isIdentifier(database) else {
            throw ClickHouseLocationError("the database name must be letters, digits and _ (not starting with a digit)")
        }
        self.init(host: host, port: port, database: database, password: password)
        for item in queryText.split(separator: "&") where !item.isEmpty {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0])
            let value = parts.count > 1 ? String(parts[1]) : ""
            switch key {
            case "cluster":
                guard Self.isIdentifier(value) else { throw ClickHouseLocationError("cluster: use letters, digits and _") }
                cluster = value
            case "user":
                guard !value.isEmpty, value.utf8.allSatisfy({ Self.isHostByte($0) || $0 == UInt8(ascii: "@") }) else {
                    throw ClickHouseLocationError("user: use letters, digits, _ . - and @")
                }
                user = value
            case "timeout", "write_retry":
                guard let seconds = Double(value), seconds > 0, seconds <= 86_400 else {
                    throw ClickHouseLocationError("\(key): give seconds, more than 0 and at most 86400")
                }
                if key == "timeout" { timeout = seconds } else { writeRetry = seconds }
            case "test_kill_before_checkpoint":
                guard let batches = Int(value), batches > 0 else {
                    throw ClickHouseLocationError("test_kill_before_checkpoint: give a batch number, 1 or more")
                }
                killBeforeCheckpoint = batches
            case "shards":
                var addresses: [ShardAddress] = []
                for item in value.split(separator: ",", omittingEmptySubsequences: false) {
                    guard item.contains(":") else { throw ClickHouseLocationError("shards: give HOST:PORT for each server, \"\(item)\" has no port") }
                    let (host, port) = try Self.address(item, defaultPort: 8123)
                    addresses.append(ShardAddress(host: host, port: port))
                }
                shardAddresses = addresses
            default:
                throw ClickHouseLocationError("unknown parameter \"\(key)\" (known: cluster, user, timeout, write_retry, shards, test_kill_before_checkpoint)")
            }
        }
    }

    /// `HOST`, `HOST:PORT`, `[IPv6]` or `[IPv6]:PORT`.
    private static func address(_ authority: Substring, defaultPort: Int) throws(ClickHouseLocationError) -> (String, Int) {
        var host = String(authority)
        var port = defaultPort
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw ClickHouseLocationError("unclosed [ in the host") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { port = try Self.port(after.dropFirst()) } else if !after.isEmpty {
                throw ClickHouseLocationError("unexpected \"\(after)\" after the host")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            port = try Self.port(authority[authority.index(after: colon)...])
        }
        guard !host.isEmpty, host.utf8.allSatisfy({ Self.isHostByte($0) }) else {
            throw ClickHouseLocationError("\"\(host)\" is not a host name or address")
        }
        return (host, port)
    }

    private static func port(_ text: Substring) throws(ClickHouseLocationError) -> Int {
        guard let value = Int(text), (1...65_535).contains(value) else {
            throw ClickHouseLocationError("\"\(text)\" is not a port number (1-65535)")
        }
        return value
    }

    private static func isHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: ":"): true
        default: false
        }
    }

    /// Names used unquoted in SQL: `[A-Za-z_][A-Za-z0-9_]*`, so they never need escaping.
    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return text.utf8.count <= 128 && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"): true
            default: false
            }
        }
    }
}

/// The HTTP address of one server of a cluster.
public struct ShardAddress: Sendable, Equatable {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}

/// A `clickhouse://` URL that cannot be used.
public struct ClickHouseLocationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

import Testing
import FlowlogClickHouse

struct ClickHouseLocationTests {
    @Test func readsHostPortDatabaseClusterAndUser() throws {
        let location = try ClickHouseLocation(parsing: "clickhouse://ch.example.com:9123/flows?cluster=two_shards&user=reader",
                                              password: "secret")
        #expect(location.host == "ch.example.com")
        #expect(location.port == 9123)
        #expect(location.database == "flows")
        #expect(location.cluster == "two_shards")
        #expect(location.user == "reader")
        #expect(location.password == "secret")
        #expect(location.description == "clickhouse://ch.example.com:9123/flows?cluster=two_shards")
    }

    @Test func defaultsToPort8123AndOneServer() throws {
        let location = try ClickHouseLocation(parsing: "clickhouse://127.0.0.1/flowlog")
        #expect(location.port == 8123)
        #expect(location.cluster == nil)
        #expect(location.user == nil)
        let bracketed = try ClickHouseLocation(parsing: "clickhouse://[::1]:8124/db")
        #expect(bracketed.host == "::1")
        #expect(bracketed.port == 8124)
    }

    @Test func readsTheShardsHTTPAddressesInOrder() throws {
        let location = try ClickHouseLocation(parsing: "clickhouse://a:8123/db?cluster=c&shards=a:8123,[fd00::2]:18125,b.example:80")
        #expect(location.shardAddresses == [ShardAddress(host: "a", port: 8123), ShardAddress(host: "fd00::2", port: 18125),
                                            ShardAddress(host: "b.example", port: 80)])
        #expect(try ClickHouseLocation(parsing: "clickhouse://a/db?cluster=c").shardAddresses == nil)
        #expect(try ClickHouseLocation(parsing: "clickhouse://a/db?test_kill_before_checkpoint=3").killBeforeCheckpoint == 3)
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        var url: String
        var message: String
        var testDescription: String { url }
    }

    @Test(arguments: [
        Bad(url: "clickhouse://host", message: "give the database: clickhouse://HOST[:PORT]/DATABASE"),
        Bad(url: "clickhouse://host:0/db", message: "\"0\" is not a port number (1-65535)"),
        Bad(url: "clickhouse://host:http/db", message: "\"http\" is not a port number (1-65535)"),
        Bad(url: "clickhouse://host/my-db", message: "the database name must be letters, digits and _ (not starting with a digit)"),
        Bad(url: "clickhouse://host/db;DROP", message: "the database name must be letters, digits and _ (not starting with a digit)"),
        Bad(url: "clickhouse:///db", message: "\"\" is not a host name or address"),
        Bad(url: "clickhouse://h'x/db", message: "\"h'x\" is not a host name or address"),
        Bad(url: "clickhouse://host/db?cluster=a-b", message: "cluster: use letters, digits and _"),
        Bad(url: "clickhouse://host/db?password=x", message: "unknown parameter \"password\" (known: cluster, user, timeout, write_retry, shards, test_kill_before_checkpoint)"),
        Bad(url: "clickhouse://host/db?timeout=0", message: "timeout: give seconds, more than 0 and at most 86400"),
        Bad(url: "clickhouse://host/db?cluster=c&shards=a:1,b", message: "shards: give HOST:PORT for each server, \"b\" has no port"),
        Bad(url: "clickhouse://host/db?cluster=c&shards=a:1,,b:2", message: "shards: give HOST:PORT for each server, \"\" has no port"),
        Bad(url: "clickhouse://host/db?cluster=c&shards=a:99999", message: "\"99999\" is not a port number (1-65535)"),
        Bad(url: "clickhouse://host/db?test_kill_before_checkpoint=0", message: "test_kill_before_checkpoint: give a batch number, 1 or more"),
    ])
    func rejectsWhatItCannotUseWithAMessage(_ bad: Bad) {
        #expect(throws: ClickHouseLocationError(bad.message)) { try ClickHouseLocation(parsing: bad.url) }
    }
}

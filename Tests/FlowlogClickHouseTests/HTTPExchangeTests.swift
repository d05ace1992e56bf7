import Testing
@testable import FlowlogClickHouse

/// The small HTTP client the ClickHouse backend speaks through: response parsing, chunked
/// bodies, Basic credentials, and an unreachable server.
@Suite struct HTTPExchangeTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func aSizedBodyIsCutAtItsLength() throws {
        let response = try HTTPExchange.parse(Self.bytes("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef"))
        #expect(response.status == 200)
        #expect(response.body == Self.bytes("abc"))
    }

    @Test func aChunkedBodyIsJoined() throws {
        let text = "HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nCode:\r\nb;ext=1\r\n 60, DB::Ex\r\n0\r\n\r\n"
        let response = try HTTPExchange.parse(Self.bytes(text))
        #expect(response.status == 500)
        #expect(response.body == Self.bytes("Code: 60, DB::Ex"))
    }

    @Test func aBodyRunsToTheEndWithoutLengthOrChunks() throws {
        let response = try HTTPExchange.parse(Self.bytes("HTTP/1.0 200 OK\r\nX: y\r\n\r\n1\t2\n"))
        #expect(response.body == Self.bytes("1\t2\n"))
    }

    @Test(arguments: ["", "HTTP/1.1 200 OK\r\n", "SSH-2.0-OpenSSH\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc",
                      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nab"])
    func aBrokenResponseIsAnError(_ text: String) {
        #expect(throws: HTTPExchange.Failure.self) { try HTTPExchange.parse(Self.bytes(text)) }
    }

    @Test(arguments: [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("default:pa:ss", "ZGVmYXVsdDpwYTpzcw==")])
    func base64IsRFC4648(_ plain: String, _ encoded: String) {
        #expect(HTTPExchange.base64(Self.bytes(plain)) == encoded)
    }

    @Test func aClosedPortIsUnreachable() {
        // Port 1 on the loopback is not listened on in the test environment.
        #expect {
            _ = try HTTPExchange.perform(host: "127.0.0.1", port: 1, request: Self.bytes("GET / HTTP/1.1\r\n\r\n"), timeout: 2)
        } throws: { error in
            if case .unreachable? = error as? HTTPExchange.Failure { return true }
            return false
        }
    }
}

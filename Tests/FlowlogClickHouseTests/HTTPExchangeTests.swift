import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
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

    /// Whether the bytes read so far hold the whole answer, by its own framing.
    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", "abc"),
        ("HTTP/1.1 200 OK\r\ncontent-length:3\r\n\r\nab", nil),
        ("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", ""),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", ""),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", "abc"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", nil),
        // A chunk whose data ends like a last chunk is not the end.
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nab0\r\n\r\n", nil),
        ("HTTP/1.1 200 OK\r\nX: y\r\n\r\nno framing: read to the close", nil),
        ("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n", nil),
    ] as [(String, String?)])
    func aResponseIsCompleteByItsFraming(_ text: String, _ body: String?) {
        #expect(HTTPExchange.completeResponse(Self.bytes(text))?.body == body.map(Self.bytes))
    }

    /// A server that answers without reading the whole request body, then closes: the kernel
    /// resets the connection, and the answer already sent must still be taken (ClickHouse does
    /// this with multipart requests).
    @Test func anAnswerFollowedByAResetIsKept() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(listener >= 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                try #require(bind(listener, raw, length) == 0)
                try #require(getsockname(listener, raw, &length) == 0)
            }
        }
        try #require(listen(listener, 1) == 0)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: 100_000)
        let request = Self.bytes("POST / HTTP/1.1\r\nContent-Length: \(body.count)\r\n\r\n") + body
        let server = Thread {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            // All but the last two bytes (as ClickHouse leaves a multipart epilogue's CRLF).
            var buffer = [UInt8](repeating: 0, count: 65_536)
            var unread = request.count - 2
            while unread > 0 {
                let count = recv(connection, &buffer, min(buffer.count, unread), 0)
                if count <= 0 { break }
                unread -= count
            }
            let answer = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n".utf8)
            _ = send(connection, answer, answer.count, Int32(MSG_NOSIGNAL))
            usleep(50_000)
            close(connection)   // with unread bytes: a reset, not a FIN
        }
        server.start()
        let response = try HTTPExchange.perform(host: "127.0.0.1", port: port, request: request, timeout: 5)
        #expect(response.status == 200 && response.body == Self.bytes("ok"))
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

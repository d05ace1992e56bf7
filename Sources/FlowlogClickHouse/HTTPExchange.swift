#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlowlogModel

/// One HTTP/1.1 request and its response over a plain TCP socket: what ClickHouse's HTTP
/// interface needs (a POST with a body, `Connection: close`, a body sized by `Content-Length`,
/// chunked, or by the end of the connection).
///
/// Written here instead of using URLSession: FoundationNetworking links Foundation, ICU and
/// libcurl into the binary, and the dynamic loader's work for them doubled the run time of
/// every `flowlog` command, SQLite ones included (measured: `drops` 10.9 → 21.5 ms).
enum HTTPExchange {
    enum Failure: Error {
        /// The server could not be reached (name not found, connection refused).
        case unreachable(String)
        /// No answer within the timeout.
        case timedOut
        /// The connection broke or the answer was not HTTP.
        case broken(String)
    }

    struct Response {
        var status: Int
        var body: [UInt8]
    }

    /// Sends `request` (the request line, headers and body, already encoded) to `host:port` and
    /// reads the whole response. Each socket operation waits at most `timeout` seconds.
    static func perform(host: String, port: Int, request: [UInt8], timeout: Double) throws(Failure) -> Response {
        try perform(host: host, port: port, head: request, body: [], timeout: timeout)
    }

    /// Sends `head` (the request line and headers) and then `body` to `host:port` and reads the
    /// whole response. The two are sent one after the other rather than joined, so a batch of
    /// rows is never copied into a second buffer of its size.
    static func perform(host: String, port: Int, head: [UInt8], body: [UInt8], timeout: Double) throws(Failure) -> Response {
        let socket = try connect(host: host, port: port, timeout: timeout)
        defer { close(socket) }
        if body.count <= 1 << 16 {
            // A query: one segment rather than a header and a short body held back by Nagle's
            // algorithm until the header's acknowledgement (a delayed one, tens of milliseconds).
            try sendAll(head + body, to: socket)
        } else {
            try sendAll(head, to: socket)
            try sendAll(body, to: socket)
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { throw .timedOut }
                // A server that answered before reading all of the body (ClickHouse leaves a
                // multipart request's epilogue unread) resets the connection when it closes it,
                // and that reset may overtake our reading: the answer it sent is still whole.
                let failure = systemError()
                if let response = completeResponse(received) { return response }
                throw .broken(failure)
            }
            if count == 0 { break }
            received.append(contentsOf: chunk[..<count])
            // Stop at the end of the answer rather than wait for the server's close (or reset).
            if let response = completeResponse(received) { return response }
        }
        return try parse(received)
    }

    private static func sendAll(_ bytes: [UInt8], to socket: Int32) throws(Failure) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { send(socket, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { throw .timedOut }
                throw .broken(systemError())
            }
            sent += count
        }
    }

    /// The response in `bytes` when it is complete by its own framing (a `Content-Length` body
    /// received whole, or a chunked body up to its last chunk); nil when more must be read.
    static func completeResponse(_ bytes: [UInt8]) -> Response? {
        guard let headerEnd = bytes.firstRange(of: [13, 10, 13, 10]) else { return nil }
        let bodyCount = bytes.count - headerEnd.upperBound
        let head = String(decoding: bytes[..<headerEnd.lowerBound], as: UTF8.self).lowercased()
        if head.contains("\r\ntransfer-encoding: chunked") {
            // Only worth decoding once the bytes end as a last chunk and an empty trailer do.
            let last: [UInt8] = [48, 13, 10, 13, 10]
            guard bodyCount >= last.count, bytes.suffix(last.count).elementsEqual(last) else { return nil }
            return try? parse(bytes)
        }
        guard let lengthLine = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
              let length = Int(lengthLine.dropFirst("content-length:".count).trimmingPrefix(" ")) else { return nil }
        return bodyCount >= length ? try? parse(bytes) : nil
    }

    private static func connect(host: String, port: Int, timeout: Double) throws(Failure) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw .unreachable(String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            entry = current.pointee.ai_next
            let descriptor = socket(current.pointee.ai_family, current.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue),
                                    current.pointee.ai_protocol)
            guard descriptor >= 0 else { lastError = systemError(); continue }
            // On Linux the send timeout bounds connect() too.
            var interval = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
            if Glibc.connect(descriptor, current.pointee.ai_addr, current.pointee.ai_addrlen) == 0 {
                // Requests are written whole and then answered: nothing gains from coalescing.
                var noDelay: Int32 = 1
                setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
                return descriptor
            }
            let timedOut = errno == EINPROGRESS || errno == EAGAIN
            lastError = systemError()
            close(descriptor)
            if timedOut { throw .timedOut }
        }
        throw .unreachable(lastError)
    }

    /// Splits a response into status, headers and body (de-chunked).
    static func parse(_ bytes: [UInt8]) throws(Failure) -> Response {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.firstRange(of: separator) else { throw .broken("the response ended before its headers did") }
        let head = String(decoding: bytes[..<end.lowerBound], as: UTF8.self)
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/"), let status = Int(statusParts[1]) else {
            throw .broken("not an HTTP response")
        }
        var chunked = false
        var length: Int?
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].drop { $0 == " " }
            if name == "transfer-encoding", value.lowercased().contains("chunked") { chunked = true }
            if name == "content-length" { length = Int(value) }
        }
        var body = Array(bytes[end.upperBound...])
        if chunked {
            body = try dechunk(body)
        } else if let length {
            guard body.count >= length else { throw .broken("the response ended early") }
            body = Array(body.prefix(length))
        }
        return Response(status: status, body: body)
    }

    /// Decodes a chunked body (RFC 9112 §7.1): hex size, CRLF, data, CRLF, …, a zero size.
    static func dechunk(_ bytes: [UInt8]) throws(Failure) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while true {
            guard let lineEnd = bytes[index...].firstRange(of: [13, 10]) else { throw .broken("a chunk size is cut off") }
            let sizeText = String(decoding: bytes[index..<lineEnd.lowerBound], as: UTF8.self)
            let hexDigits = sizeText.prefix { $0.isHexDigit }
            guard let size = Int(hexDigits, radix: 16) else { throw .broken("a chunk size is not hexadecimal") }
            index = lineEnd.upperBound
            if size == 0 { return out }
            guard size <= bytes.count - index else { throw .broken("a chunk is cut off") }
            out.append(contentsOf: bytes[index..<index + size])
            index += size + 2
            guard index <= bytes.count else { throw .broken("a chunk is cut off") }
        }
    }

    /// Standard base64 (RFC 4648), for HTTP Basic authentication.
    static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let a = bytes[index], b = index + 1 < bytes.count ? bytes[index + 1] : 0, c = index + 2 < bytes.count ? bytes[index + 2] : 0
            out.append(alphabet[Int(a >> 2)])
            out.append(alphabet[Int((a & 0x03) << 4 | b >> 4)])
            out.append(index + 1 < bytes.count ? alphabet[Int((b & 0x0F) << 2 | c >> 6)] : UInt8(ascii: "="))
            out.append(index + 2 < bytes.count ? alphabet[Int(c & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
